"""Exposure measures of the netdiffuseR family, on any graph: exposure, thresholds, infectiousness, susceptibility.

A unit's *exposure* to a practice in a period is the share (or number, or weighted share) of
its alters that had adopted the practice ``lag`` periods before or earlier; alters are the units
it may learn from: its neighbours on the geography's adjacency or the user's network (the ties
active in that period), or, with ``graph="hierarchy"``, the other units of its parent. A unit
adopts in the first period a case lies at or inside it (as in :func:`first_adoptions`). Its
*threshold* is its exposure in the period it adopted (Valente 1996). *Susceptibility* and
*infectiousness* follow Valente et al. (2015) and Myers (2000) as netdiffuseR computes them
(``susceptibility``/``infection``, with ``K`` periods and a linear or exponential discount):
susceptibility is the share of a unit's earlier-adopting alters who adopted in the period just
before it; infectiousness the share of the units that may learn from it and adopted after it
that adopted in the period just after it. Every practice is a diffusion of its own.

``lag=1`` (the default) counts adoptions of earlier periods only, what a unit could have seen
before its own period; netdiffuseR's ``exposure`` and ``threshold`` count the same period too
(``lag=0``).

References
----------
Valente, T. W. (1996). Social network thresholds in the diffusion of innovations. Social
Networks, 18(1), 69–89. https://doi.org/10.1016/0378-8733(95)00256-1

Valente, T. W., Dyal, S. R., Chu, K.-H., Wipfli, H., & Fujimoto, K. (2015). Diffusion of
innovations theory applied to global tobacco control treaty ratification. Social Science &
Medicine, 145, 89–97. https://doi.org/10.1016/j.socscimed.2015.10.001

Myers, D. J. (2000). The diffusion of collective violence. American Journal of Sociology,
106(1), 173–208. https://doi.org/10.1086/303110
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from diffusion.checks import check_choice, check_int
from diffusion.data.dataset import Dataset
from diffusion.errors import ParameterError
from diffusion.i18n import level_name, t

__all__ = ["Graph", "exposure", "infection_susceptibility", "thresholds", "unit_graph"]

GraphKind = Literal["ties", "hierarchy"]


@dataclass(frozen=True)
class Graph:
    """Who may learn from whom among the units of a level: tie e runs from ``influencer[e]`` to ``looker[e]``.

    ``active`` is ties x periods (column p - 1 for period p), or None when every tie is always
    active; ``weight`` one positive number per tie.
    """

    units: pd.Index
    looker: np.ndarray
    influencer: np.ndarray
    weight: np.ndarray
    active: np.ndarray | None
    name: str

    def at(self, period: int) -> np.ndarray:
        """Which ties are active in ``period`` (1-based)."""
        if self.active is None:
            return np.ones(len(self.looker), dtype=bool)
        return self.active[:, min(max(period, 1), self.active.shape[1]) - 1]


def unit_graph(ds: Dataset, level: str | None = None, graph: GraphKind = "ties") -> Graph:
    """The graph of a level: the geography's adjacency or the user's network there; or the parent's units.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> g = unit_graph(load_dataset("broadband-china"))
    >>> len(g.units), len(g.looker), g.name
    (31, 138, 'geographic adjacency')
    """
    from diffusion.stats.neighbour import active_by_period

    geo = ds.geography
    check_choice("graph", graph, ("ties", "hierarchy"))
    level = check_choice("level", level or _tie_level(ds), geo.levels)
    units = geo.level_units(level).index
    if graph == "hierarchy":
        parent = pd.Series([(geo.ancestors(u) or ("",))[0] for u in units])
        codes = pd.factorize(parent)[0]
        i, j = np.nonzero((codes[:, None] == codes[None, :]) & (parent.to_numpy()[:, None] != ""))
        keep = i != j
        return Graph(
            units,
            i[keep],
            j[keep],
            np.ones(int(keep.sum())),
            None,
            t("units of the same parent ({level})", level=level_name(level)),
        )
    ties = ds.influence_ties(level)
    if ties is None:
        from diffusion.stats.adoptions import no_ties_reason

        raise ParameterError(
            "level",
            t(
                "no graph: {reason}; or take the units of the same parent (`graph` hierarchy)",
                reason=no_ties_reason(ds, level),
            ),
        )
    active = active_by_period(ds, ties)
    if isinstance(active, str):
        raise ParameterError("graph", active)
    weight = np.ones(len(ties.looker))
    if ties.network is not None:
        w = ties.network.edges["weight"].to_numpy(dtype=float)
        weight = w if ties.network.directed else np.r_[w, w]
    return Graph(pd.Index(ties.units), ties.looker, ties.influencer, weight, active, ties.graph)


def _tie_level(ds: Dataset) -> str:
    return ds.network.level if ds.network is not None else ds.geography.neighbour_level


def adoption_times(ds: Dataset, units: pd.Index, level: str) -> tuple[list[str], np.ndarray, int]:
    """Practices, practices x units first periods (inf: never), and the last period."""
    from diffusion.measures.innovativeness import first_adoptions

    first = first_adoptions(ds, level)
    practices = sorted(first["practice"].unique())
    times = np.full((len(practices), len(units)), np.inf)
    p = pd.Index(practices).get_indexer(first["practice"])
    u = units.get_indexer(first["region"])
    ok = u >= 0
    times[p[ok], u[ok]] = first["period"].to_numpy(dtype=float)[ok]
    last = int(ds.events.loc[ds.events["time_known"], "period"].max()) if ds.events["time_known"].any() else 0
    return practices, times, last


def _exposure_matrix(g: Graph, when: np.ndarray, last: int, kind: str, lag: int) -> np.ndarray:
    """Units x periods (1..last) exposure to one practice adopted at ``when``."""
    from diffusion.stats.channels import row_sums

    periods = np.arange(1, last + 1)
    seen = when[g.influencer][:, None] <= (periods - lag)[None, :]  # ties x periods: the alter had adopted
    active = np.column_stack([g.at(int(p)) for p in periods]) if g.active is not None else np.ones_like(seen)
    w = g.weight[:, None] if kind == "weighted" else np.ones((len(g.looker), 1))
    numerator = row_sums(g.looker, w * (seen & active), len(g.units))
    if kind == "count":
        return numerator
    denominator = row_sums(g.looker, w * active, len(g.units))
    return np.divide(numerator, denominator, out=np.full_like(numerator, np.nan), where=denominator > 0)


def exposure(
    ds: Dataset,
    *,
    level: str | None = None,
    practice: str | None = None,
    kind: Literal["share", "count", "weighted"] = "share",
    lag: int = 1,
    graph: GraphKind = "ties",
) -> pd.DataFrame:
    """Exposure of every unit of the level to every practice in every period, as a tidy table.

    Returns ``practice, unit, period, exposure, adopted`` (``adopted``: the unit had adopted by
    the end of the period), one row per unit, practice and period; a unit without alters has
    exposure NaN (share) or 0 (count).

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> e = exposure(load_dataset("broadband-china"), practice="broadband_china")
    >>> e.columns.tolist(), int(e["period"].max())
    (['practice', 'unit', 'period', 'exposure', 'adopted'], 5)
    """
    check_choice("kind", kind, ("share", "count", "weighted"))
    lag = check_int("lag", lag, low=0)
    g = unit_graph(ds, level, graph)
    level = ds.geography.level_of(g.units[0])
    practices, times, last = adoption_times(ds, g.units, level)
    parts = []
    for k, p in enumerate(practices):
        if practice is not None and p != practice:
            continue
        matrix = _exposure_matrix(g, times[k], last, kind, lag)
        n, periods = matrix.shape
        parts.append(
            pd.DataFrame(
                {
                    "practice": p,
                    "unit": np.repeat(g.units.to_numpy(), periods),
                    "period": np.tile(np.arange(1, periods + 1), n),
                    "exposure": matrix.ravel(),
                    "adopted": (times[k][:, None] <= np.arange(1, periods + 1)[None, :]).ravel(),
                }
            )
        )
    columns = ["practice", "unit", "period", "exposure", "adopted"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def thresholds(
    ds: Dataset,
    *,
    level: str | None = None,
    kind: Literal["share", "count", "weighted"] = "share",
    lag: int = 1,
    graph: GraphKind = "ties",
) -> pd.DataFrame:
    """Each adopter's exposure in the period it adopted: ``practice, unit, period, threshold, first_period``.

    ``first_period`` marks the adopters of a practice's first period, whose threshold (with a
    lag of 1 or more) is 0 whatever the graph.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> t = thresholds(load_dataset("broadband-china"))
    >>> t.columns.tolist()
    ['practice', 'unit', 'period', 'threshold', 'first_period']
    """
    check_choice("kind", kind, ("share", "count", "weighted"))
    lag = check_int("lag", lag, low=0)
    g = unit_graph(ds, level, graph)
    practices, times, last = adoption_times(ds, g.units, ds.geography.level_of(g.units[0]))
    return _thresholds(g, practices, times, last, kind, lag)


def _thresholds(g: Graph, practices: list[str], times: np.ndarray, last: int, kind: str, lag: int) -> pd.DataFrame:
    rows = []
    for k, p in enumerate(practices):
        when = times[k]
        adopters = np.flatnonzero(np.isfinite(when))
        if not len(adopters):
            continue
        matrix = _exposure_matrix(g, when, last, kind, lag)
        at = when[adopters].astype(int)
        rows.append(
            pd.DataFrame(
                {
                    "practice": p,
                    "unit": g.units[adopters],
                    "period": at,
                    "threshold": matrix[adopters, at - 1],
                    "first_period": at == at.min(),
                }
            )
        )
    columns = ["practice", "unit", "period", "threshold", "first_period"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)


def infection_susceptibility(
    ds: Dataset,
    *,
    level: str | None = None,
    graph: GraphKind = "ties",
    K: int = 1,
    r: float = 0.5,
    expdiscount: bool = False,
    normalize: bool = False,
) -> pd.DataFrame:
    """Infectiousness and susceptibility of every adopter of every practice (netdiffuseR's definitions).

    With w_k = k (or (1 + r)^(k - 1) when ``expdiscount``), for unit i adopting in period t:
    susceptibility = sum_k w_k^-1 #{alters adopting in t - k} / sum_k w_k^-1 #{alters adopting
    in t - k or before}; infectiousness = sum_k w_k^-1 #{units tied to i adopting in t + k} /
    sum_k w_k^-1 #{units tied to i adopting in t + k or later} (ties of period t - k + 1 and
    t + k). ``normalize`` divides each by the discounted number of all units adopting in those
    periods, as netdiffuseR does by default. Undefined (no alter adopted before, or after): NaN.

    Returns ``practice, unit, period, infectiousness, susceptibility``.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> s = infection_susceptibility(load_dataset("broadband-china"))
    >>> s.columns.tolist()
    ['practice', 'unit', 'period', 'infectiousness', 'susceptibility']
    """
    K = check_int("K", K, low=1)
    g = unit_graph(ds, level, graph)
    practices, times, last = adoption_times(ds, g.units, ds.geography.level_of(g.units[0]))
    weights = (1 + r) ** np.arange(K) if expdiscount else np.arange(1.0, K + 1)
    rows = []
    for k, p in enumerate(practices):
        when = times[k]
        adopters = np.flatnonzero(np.isfinite(when))
        at = when[adopters]
        sus = _discounted(g, when, adopters, -1, weights, normalize, last)
        inf = _discounted(g, when, adopters, +1, weights, normalize, last)
        rows.append(
            pd.DataFrame(
                {
                    "practice": p,
                    "unit": g.units[adopters],
                    "period": at.astype(int),
                    "infectiousness": inf,
                    "susceptibility": sus,
                }
            )
        )
    columns = ["practice", "unit", "period", "infectiousness", "susceptibility"]
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=columns)


def _discounted(
    g: Graph, when: np.ndarray, adopters: np.ndarray, sign: int, weights: np.ndarray, normalize: bool, last: int
) -> np.ndarray:
    """Susceptibility (sign -1: alters i learns from, before) or infectiousness (+1: those learning from i, after)."""
    # Susceptibility looks along ties into i (i the looker); infectiousness along ties out of i.
    me, other = (g.looker, g.influencer) if sign < 0 else (g.influencer, g.looker)
    num, den, norm = (np.zeros(len(when)) for _ in range(3))
    for k, w in enumerate(weights, start=1):
        target = when + sign * k  # the period whose adopters count
        tie_period = when - k + 1 if sign < 0 else when + k
        ok = np.isfinite(when[me]) & (me != other)
        at = np.where(ok, tie_period[me], 1).astype(int)
        active = (
            g.active[np.arange(len(me)), np.clip(at, 1, g.active.shape[1]) - 1]
            if g.active is not None
            else np.ones(len(me), dtype=bool)
        )
        valid = ok & active & (at >= 1) & (at <= last)
        exact = valid & (when[other] == target[me])
        beyond = valid & ((when[other] <= target[me]) if sign < 0 else (when[other] >= target[me]))
        num += np.bincount(me[exact], minlength=len(when)) / w
        den += np.bincount(me[beyond], minlength=len(when)) / w
        counts = pd.Series(when[np.isfinite(when)]).value_counts()
        norm += np.nan_to_num(pd.Series(target).map(counts).to_numpy(dtype=float)) / w
    out = np.divide(num, den, out=np.full(len(when), np.nan), where=den > 0)
    if normalize:
        out = np.divide(out, norm, out=np.full(len(when), np.nan), where=norm > 0)
    return out[adopters]
