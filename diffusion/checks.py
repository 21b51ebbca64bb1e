"""Checking parameters at the door: one message for every bad value, and one way to take a seed.

Public functions call these once on entry; the code behind them then trusts its input. Messages
name the Python parameter (`n_permutations`), never a command-line flag: the CLI adds the flag.

Seeds. Every public function with randomness takes ``seed: int | numpy.random.Generator | None``
and turns it into one integer on entry with :func:`resolve_seed`: an int is used as it is, a
Generator gives one draw (so passing the same Generator twice gives two different runs, as its
state advances), None takes fresh entropy from the operating system. Every stream of the run is
derived from that integer, and results record it, so any run can be repeated exactly with
``seed=result.seed``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeVar

import numpy as np

from diffusion.errors import ParameterError
from diffusion.limits import limit, raise_hint

__all__ = ["Seed", "as_generator", "check_choice", "check_int", "check_number", "resolve_seed"]

Seed = int | np.random.Generator | None
T = TypeVar("T")


def check_choice(name: str, value: T, allowed: Iterable[object]) -> T:
    """``value`` if it is one of ``allowed``; otherwise a :class:`ParameterError` that lists them.

    Examples
    --------
    >>> check_choice("link", "logit", ("logit", "cloglog"))
    'logit'
    >>> check_choice("link", "probit", ("logit", "cloglog"))
    Traceback (most recent call last):
    ...
    diffusion.errors.ParameterError: The value for `link` must be one of ['logit', 'cloglog'], but 'probit' was passed.
    """
    allowed = list(allowed)
    if value not in allowed:
        raise ParameterError(name, f"The value for `{name}` must be one of {allowed}, but {value!r} was passed.")
    return value


def check_int(name: str, value: object, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int in ``[low, high]`` (bools and non-integral floats are refused).

    Examples
    --------
    >>> check_int("n_permutations", 999, low=1)
    999
    >>> check_int("n_permutations", 0, low=1)
    Traceback (most recent call last):
    ...
    diffusion.errors.ParameterError: The `n_permutations` parameter must be an int in the range [1, inf). Got 0 instead.
    """
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        number = int(value)
        if (low is None or number >= low) and (high is None or number <= high):
            return number
    span = ("(-inf" if low is None else f"[{low}") + ", " + ("inf)" if high is None else f"{high}]")
    raise ParameterError(name, f"The `{name}` parameter must be an int in the range {span}. Got {value!r} instead.")


def check_draws(name: str, value: object, low: int = 1) -> int:
    """A number of random draws (permutations, bootstrap samples) in ``[low, limit("draws")]``.

    Examples
    --------
    >>> check_draws("n_permutations", 999)
    999
    >>> check_draws("n_permutations", 10**11) # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    diffusion.errors.ParameterError: The `n_permutations` parameter must be an int in the range [1, 10000000]. ...
    """
    try:
        return check_int(name, value, low=low, high=limit("draws"))
    except ParameterError as exc:
        if isinstance(value, int) and value > limit("draws"):  # a p-value needs thousands: say how to insist
            raise ParameterError(name, f"{exc} A larger count runs for hours; {raise_hint('draws')}.") from None
        raise


def check_number(
    name: str,
    value: object,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """``value`` as a finite float in the interval given (open ends with ``low_open``/``high_open``).

    Examples
    --------
    >>> check_number("share", 0.5, 0, 1, low_open=True)
    0.5
    >>> check_number("share", 0, 0, 1, low_open=True)
    Traceback (most recent call last):
    ...
    diffusion.errors.ParameterError: The `share` parameter must be a number in the range (0, 1]. Got 0 instead.
    """
    number = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool | np.bool_)
    x = float(value) if number else math.nan  # type: ignore[arg-type]  # a number, checked just before
    bad = not math.isfinite(x)
    bad |= low is not None and (x <= low if low_open else x < low)
    bad |= high is not None and (x >= high if high_open else x > high)
    if bad:
        left = "(" if low is None or low_open else "["
        right = ")" if high is None or high_open else "]"
        span = f"{left}{'-inf' if low is None else _plain(low)}, {'inf' if high is None else _plain(high)}{right}"
        raise ParameterError(
            name, f"The `{name}` parameter must be a number in the range {span}. Got {value!r} instead."
        )
    return x


def _plain(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def resolve_seed(seed: Seed) -> int:
    """The integer seed of a run: an int as given, one draw from a Generator, fresh entropy for None.

    Examples
    --------
    >>> resolve_seed(7)
    7
    >>> resolve_seed(np.random.default_rng(0)) == resolve_seed(np.random.default_rng(0))
    True
    >>> resolve_seed(None) != resolve_seed(None)
    True
    """
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if seed is None:
        return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]  # an int when none is given
    return check_int("seed", seed, low=0)


def as_generator(seed: Seed) -> np.random.Generator:
    """A Generator: the one given (used as is, its state advancing), else one seeded by :func:`resolve_seed`.

    Examples
    --------
    >>> float(as_generator(1).random()) == float(np.random.default_rng(1).random())
    True
    """
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(resolve_seed(seed))
