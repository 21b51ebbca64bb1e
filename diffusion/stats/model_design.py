"""The design of the event-history model: strata of the baseline, the formula's columns, and what
cannot be estimated (terms absorbed by the baseline, constant or collinear terms, separated
categories)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["both_outcomes", "design_matrix", "leave_out_separated", "strata"]


def strata(pp: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """``pp`` with a ``stratum`` (the baseline's intercepts), without strata holding one outcome only."""
    if pp.empty:
        return pp.assign(stratum=pd.Series(dtype=int))
    practice = pp["practice"].cat.codes.astype(np.int64).to_numpy()
    period = pp["period"].to_numpy()
    stratum = {
        "practice-period": practice * (int(period.max()) + 1) + period,
        "practice+period": practice,
        "period": period,
    }[baseline]
    pp = pp.assign(stratum=stratum)
    keep = both_outcomes(pp["adopted"].to_numpy(dtype=float), np.ones(len(pp)), stratum)
    if baseline == "practice+period":  # a period with no adoption (or only) has an infinite effect
        keep &= both_outcomes(pp["adopted"].to_numpy(dtype=float), np.ones(len(pp)), period)
    return pp[keep].reset_index(drop=True)


def both_outcomes(adopted: np.ndarray, size: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """Rows of strata holding both outcomes (``size``: each row's frequency weight).

    A stratum where every row, or none, adopted tells nothing beyond its own baseline.

    Examples
    --------
    >>> both_outcomes(np.array([0.0, 1, 0, 0]), np.ones(4), np.array([0, 0, 1, 1])).tolist()
    [True, True, False, False]
    """
    codes = pd.factorize(strata)[0]
    events = np.bincount(codes, weights=adopted * size)[codes]
    total = np.bincount(codes, weights=size)[codes]
    return (events > 0) & (events < total)


def design_matrix(rhs: str, grouped: pd.DataFrame) -> tuple[np.ndarray, list[str], list[str], list[str]]:
    """The formula's columns (no intercept), with absorbed, constant and collinear ones left out."""
    import formulaic

    data = grouped.copy()
    if "period" in data:  # the practice+period baseline's period intercepts, as columns
        rhs = f"{rhs} + C(period)"
    for column in data.columns:
        if isinstance(data[column].dtype, pd.CategoricalDtype):
            data[column] = data[column].astype(str)
    matrix = formulaic.model_matrix(rhs, data, na_action="raise")
    matrix = matrix.drop(columns=[c for c in matrix.columns if c == "Intercept"])
    x, names = matrix.to_numpy(dtype=float), [str(c) for c in matrix.columns]
    strata = pd.factorize(grouped["stratum"])[0]
    w = grouped["size"].to_numpy(dtype=float)
    within = _within_variation(x, strata, w)
    absorbed = [n for n, v in zip(names, within) if v <= 1e-12 and np.ptp(x[:, names.index(n)]) > 0]
    dropped = [n for n, v in zip(names, within) if v <= 1e-12 and n not in absorbed]
    keep = [i for i, v in enumerate(within) if v > 1e-12]
    x, names = x[:, keep], [names[i] for i in keep]
    # Collinear columns (a term that repeats others within strata) would make the model singular.
    demeaned = x - _stratum_means(x, strata, w)
    r = np.linalg.qr(demeaned * np.sqrt(w)[:, None], mode="r") if len(names) else np.zeros((0, 0))
    diagonal = np.abs(np.diag(r)) if len(names) else np.zeros(0)
    independent = diagonal > 1e-8 * max(diagonal.max(initial=0), 1)
    dropped += [n for n, ok in zip(names, independent) if not ok]
    x, names = x[:, independent], [n for n, ok in zip(names, independent) if ok]
    return x, names, absorbed, dropped


def _stratum_means(x: np.ndarray, strata: np.ndarray, w: np.ndarray) -> np.ndarray:
    total = np.bincount(strata, weights=w)
    means = np.column_stack([np.bincount(strata, weights=w * x[:, j]) / total for j in range(x.shape[1])])
    return means[strata] if x.shape[1] else np.zeros_like(x)


def _within_variation(x: np.ndarray, strata: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Each column's weighted sum of squared deviations from its stratum mean."""
    deviations = x - _stratum_means(x, strata, w)
    return (w[:, None] * deviations**2).sum(axis=0)


def leave_out_separated(
    grouped: pd.DataFrame, x: np.ndarray, names: list[str]
) -> tuple[pd.DataFrame, np.ndarray, list[str], list[str]]:
    """Leave out category dummies (and their rows) whose rows all adopted or none did.

    A macro-region where no region adopted has an infinite coefficient; its rows then tell
    nothing about the other terms, as its dummy would take them out.
    """
    y, w = grouped["adopted"].to_numpy(dtype=float), grouped["size"].to_numpy(dtype=float)
    separated = []
    rows = np.ones(len(y), dtype=bool)
    for j, name in enumerate(names):
        column = x[:, j]
        # Only a category's dummy (``C(macro_region)[T.West]``, ``macro_region[T.West]``); a channel
        # indicator that separates is an error the fit reports, never a silent drop.
        if "[T." not in name or name.startswith("C(period)"):
            continue
        on = column == 1
        events = (y * w)[on].sum()
        if on.any() and events in (0, w[on].sum()):
            separated.append(name)
            rows &= ~on
    if not separated:
        return grouped, x, names, []
    keep_columns = [j for j, name in enumerate(names) if name not in separated]
    strata = grouped["stratum"].to_numpy()
    rows[rows] = both_outcomes(y[rows], w[rows], strata[rows])
    return (
        grouped[rows].reset_index(drop=True),
        x[rows][:, keep_columns],
        [names[j] for j in keep_columns],
        separated,
    )
