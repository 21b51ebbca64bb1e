"""Transmission models of NetInf: how long a unit takes to learn a practice from another.

Each model is a density of the delay ``x > 0`` between the source's and the target's adoptions:

- exponential (rate ``lambda``): ``lambda * exp(-lambda * x)``;
- power law (exponent ``alpha > 1`` above the shortest delay ``delta``):
  ``(alpha - 1) / delta * (x / delta) ** -alpha``, with ``delta`` the shortest positive delay in
  the cascades, so every observed delay lies in the support;
- Rayleigh (scale ``alpha``): ``x / alpha**2 * exp(-x**2 / (2 * alpha**2))``.

:func:`auto_parameter` chooses the parameter as NetworkInference (Linder & Desmarais) does: the
midpoint between its closed-form maximum-likelihood estimates from the shortest possible delays
(every adopter learnt from the adopter just before it: a chain) and from the longest (every adopter
learnt from the first: a fan).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from diffusion.checks import check_choice, check_number
from diffusion.errors import ParameterError

if TYPE_CHECKING:
    from diffusion.network.cascades import Cascades

__all__ = ["TRANSMISSION_MODELS", "auto_parameter", "chain_and_fan_delays", "log_density", "shortest_delay"]

TRANSMISSION_MODELS = ("exponential", "power", "rayleigh")


def log_density(model: str, x: np.ndarray, param: float, delta: float = 1.0) -> np.ndarray:
    """Log density of delays ``x`` (> 0) under ``model`` with parameter ``param``.

    Examples
    --------
    >>> float(log_density("exponential", np.array([2.0]), 0.5)[0]) == float(np.log(0.5) - 1.0)
    True
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if model == "exponential":
            return np.log(param) - param * x
        if model == "rayleigh":
            return np.log(x) - 2 * np.log(param) - x * x / (2 * param * param)
        return np.log(param - 1) - np.log(delta) - param * np.log(x / delta)


def check_parameter(model: str, param: float) -> float:
    """``param`` if ``model`` can take it: positive; above 1 for the power law."""
    check_choice("model", model, TRANSMISSION_MODELS)
    if model == "power":
        return check_number("param", param, low=1, low_open=True)
    return check_number("param", param, low=0, low_open=True)


def shortest_delay(cascades: Cascades) -> float:
    """The shortest positive delay between two adoptions of one cascade (the power law's ``delta``)."""
    gaps = [np.diff(np.unique(t[np.isfinite(t)])) for t in cascades.times]
    gaps = [g for g in gaps if len(g)]
    return float(min(g.min() for g in gaps)) if gaps else 1.0


def chain_and_fan_delays(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For every adopter that has an earlier adopter in its cascade: the delay since the latest
    earlier adoption (chain) and since the cascade's first (fan).

    Examples
    --------
    >>> chain, fan = chain_and_fan_delays(np.array([[0.0, 1.0, 1.0, 4.0, np.inf]]))
    >>> chain.tolist(), fan.tolist()
    ([1.0, 1.0, 3.0], [1.0, 1.0, 4.0])
    """
    chain, fan = [], []
    for row in times:
        t = np.sort(row[np.isfinite(row)])
        if len(t) < 2:
            continue
        distinct = np.unique(t)
        before = np.searchsorted(distinct, t, side="left") - 1  # the latest strictly earlier time
        later = before >= 0
        chain.append(t[later] - distinct[before[later]])
        fan.append(t[later] - t[0])
    empty = np.empty(0)
    return (np.concatenate(chain) if chain else empty), (np.concatenate(fan) if fan else empty)


def auto_parameter(cascades: Cascades, model: str) -> float:
    """The parameter midway between the chain and fan maximum-likelihood estimates.

    Exponential: ``1 / mean(x)``; Rayleigh: ``sqrt(mean(x**2) / 2)``; power law:
    ``1 + n / sum(log(x / delta))``.

    Examples
    --------
    >>> import pandas as pd
    >>> from diffusion.network.cascades import Cascades
    >>> df = pd.DataFrame({"unit": list("abcab"), "cascade": list("xxxyy"), "time": [0, 1, 3, 0, 2]})
    >>> auto_parameter(Cascades.from_frame(df), "exponential")  # chain delays 1, 2, 2: 0.6; fan 1, 3, 2: 0.5
    0.55
    """
    check_choice("model", model, TRANSMISSION_MODELS)
    chain, fan = chain_and_fan_delays(cascades.times)
    if not len(chain):
        raise ParameterError("param", "no adopter follows another in any cascade; no parameter can be estimated.")
    delta = shortest_delay(cascades)
    estimates = [_mle(model, x, delta) for x in (chain, fan)]
    if not all(np.isfinite(estimates)):
        raise ParameterError(
            "param",
            f"the {model} parameter cannot be chosen from the data (every delay is {delta:g}); give it (`param`).",
        )
    return float(np.mean(estimates))


def _mle(model: str, x: np.ndarray, delta: float) -> float:
    with np.errstate(divide="ignore"):
        if model == "exponential":
            return float(1 / x.mean())
        if model == "rayleigh":
            return float(np.sqrt((x * x).mean() / 2))
        return float(1 + len(x) / np.log(x / delta).sum())
