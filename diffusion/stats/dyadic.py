"""Directed-dyad event history (Volden 2006; Gilardi & Füglister 2008; Boehmke 2009).

One row per ordered pair — a follower at risk of adopting a practice and a leader that had
adopted it in an earlier period — per practice and period. The outcome is the follower's adoption
in that period; dyad terms say how the two are related: neighbours (the geography's adjacency or
the user's network), distance, the same parent unit, the same macro-region, and covariate gaps
(the leader's value minus the follower's, lagged one year). A positive ``neighbour`` coefficient
says that followers adopt sooner when the earlier adopters are their neighbours — emulation of
particular leaders rather than a general rate. The follower's own terms belong beside the dyad
terms: its macro-region, covariates and unit channel terms (``neighbour_share``: the share of its
neighbours that had adopted), so that a dyad or follower term does not stand in for them.

The model is the unified one (:func:`diffusion.stats.event_model.fit_table`): a baseline per
practice and period, inference clustered by the follower's top-level unit (all dyads of a
follower share its outcome) with the wild cluster score bootstrap. Dyads are built practice by
practice and period by period — followers at risk x earlier adopters — never as a dense table of
all pairs x practices.

References
----------
Volden, C. (2006). States as policy laboratories: Emulating success in the Children's Health
Insurance Program. American Journal of Political Science, 50(2), 294–312.
https://doi.org/10.1111/j.1540-5907.2006.00185.x
Boehmke, F. J. (2009). Approaches to modeling the adoption and diffusion of policies with multiple
components. State Politics & Policy Quarterly, 9(2), 229–252. https://doi.org/10.1177/153244000900900205
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from diffusion.data.dataset import Dataset
from diffusion.data.distance import haversine_km
from diffusion.errors import ParameterError
from diffusion.stats.event_model import EventHistoryModel, fit_table, formula_variables

__all__ = ["DEFAULT_DYAD_FORMULA", "DYAD_TERMS", "dyad_periods", "fit_dyadic_event_history"]

DYAD_TERMS: dict[str, str] = {
    "neighbour": "1 if the leader is a neighbour of the follower (adjacency, or a tie of the user's network)",
    "distance": "great-circle distance between the two units' points, in 100 km",
    "same_parent": "1 if both lie in the same unit of the level above (the same province, for prefectures)",
    "same_macro_region": "1 if both lie in the same macro-region",
}
DEFAULT_DYAD_FORMULA = "neighbour + same_macro_region + distance + C(macro_region)"


def _parse(formula: str | None, ds: Dataset) -> tuple[str, list[str], list[str], list[str], list[str]]:
    """The right-hand side, its dyad terms, the covariates of its ``gap_`` terms, the follower's
    covariates and the follower's channel terms."""
    from diffusion.stats.channels import CHANNELS

    rhs, variables = formula_variables(formula, DEFAULT_DYAD_FORMULA)
    covariates = ds.covariates.variables if ds.covariates is not None else []
    gaps = [f"gap_{c}" for c in covariates]
    known = (*DYAD_TERMS, *gaps, *covariates, *CHANNELS, "macro_region", "practice")
    unknown = [v for v in variables if v not in known]
    if unknown:
        raise ParameterError(
            "formula",
            f"unknown dyad term {unknown[0]!r}; the dyad terms are {sorted(DYAD_TERMS)}, the follower's "
            f"'macro_region', channel terms {sorted(CHANNELS)} and covariates, 'practice', and gap_<covariate> "
            f"for the covariates {list(covariates) or '(none: give a covariate file)'}.",
        )
    if "inside_adopted" in variables:
        raise ParameterError(
            "formula",
            "'inside_adopted' needs a unit to adopt by a case at itself (outcome 'own'); in the dyadic model a "
            "follower adopts with the first case at or inside it. Use it in the unit model with --outcome own.",
        )
    return (
        rhs,
        [v for v in variables if v in DYAD_TERMS],
        [v[4:] for v in variables if v in gaps],
        [v for v in variables if v in covariates],
        [v for v in variables if v in CHANNELS],
    )


def dyad_periods(
    ds: Dataset,
    level: str | None = None,
    practice: str | None = None,
    *,
    terms: tuple[str, ...] = tuple(DYAD_TERMS),
    covariates: tuple[str, ...] = (),
    follower_covariates: tuple[str, ...] = (),
    follower_channels: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, dict]:
    """One row per follower at risk, earlier adopter (leader), practice and period; and notes.

    Columns: ``follower, leader, practice, period, adopted, cluster`` (the follower's top-level
    unit), ``macro_region`` (the follower's), the ``terms``, ``gap_<covariate>`` for each of
    ``covariates`` and the follower's value of each of ``follower_covariates`` (both lagged one
    year), and the follower's value of each unit channel term of ``follower_channels``
    (:data:`diffusion.stats.channels.CHANNELS`: its neighbours' share that adopted earlier, ...).
    Dyads with a covariate missing for either unit are left out and counted in the notes.
    Follower terms (its region, its covariates, its exposure) belong in a dyadic model as in the
    unit model: without them, a dyad term can stand in for the follower's own propensity
    (followers of a fast region have more earlier adopters nearby), and a follower covariate for
    the follower's exposure to its adopting neighbours.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> dyads, notes = dyad_periods(load_dataset("broadband-china"), practice="broadband_china")
    >>> int(dyads.groupby(["follower", "period"])["adopted"].first().sum())  # 5 + 5 after the first period
    10
    """
    from diffusion.data.periods import period_labels
    from diffusion.stats.channels import hierarchy_times
    from diffusion.stats.covariate_terms import add_covariates
    from diffusion.stats.event_history import published_periods

    geo = ds.geography
    level = level or geo.levels[0]
    calendar = period_labels(ds).sort_values("period")
    last = int(calendar["period"].max())
    regions = geo.level_units(level).index
    n = len(regions)
    hierarchy = hierarchy_times(ds, level, regions, last)
    published = published_periods(ds)
    ties = ds.influence_ties(level)
    active = ties.active(calendar["date"].astype(str).tolist()) if ties is not None else np.zeros((0, last), dtype=bool)
    points = geo.points(list(regions))
    lat, lon = (points[c].to_numpy(dtype=float) for c in ("lat", "lon"))
    top = geo.levels[0]
    cluster, clusters = pd.factorize(pd.Series([geo.ancestor_at(r, top) or r for r in regions]), sort=True)
    depth = geo.levels.index(level)
    parent = pd.factorize(pd.Series([geo.ancestors(r)[0] if depth and geo.ancestors(r) else r for r in regions]))[0]
    macro_regions = pd.Categorical([geo.macro_region(r) or "none" for r in regions])
    macro = macro_regions.codes
    needed = tuple(dict.fromkeys([*covariates, *follower_covariates]))
    values = _covariate_grid(ds, regions, last, needed, add_covariates)
    parts, missing = [], 0
    practices = sorted(p for p in hierarchy.own if practice in (None, p))
    for k, p in enumerate(practices):
        when = hierarchy.within(p)
        if not np.isfinite(when).any():
            continue
        for t in (u for u in range(int(when.min()) + 1, last + 1) if u in published[p]):
            followers, leaders = np.flatnonzero(when >= t), np.flatnonzero(when < t)
            if not len(followers) or not len(leaders):
                continue
            f, lead = (a.ravel() for a in np.meshgrid(followers, leaders, indexing="ij"))
            columns: dict[str, object] = {}
            if "neighbour" in terms:
                columns["neighbour"] = _tied(ties, active[:, t - 1], f, lead, n) if ties is not None else 0.0
            if "distance" in terms:
                columns["distance"] = haversine_km(lat[f], lon[f], lat[lead], lon[lead]) / 100.0
            if "same_parent" in terms:
                columns["same_parent"] = (parent[f] == parent[lead]).astype(float) if depth else 0.0
            if "same_macro_region" in terms:
                columns["same_macro_region"] = (macro[f] == macro[lead]).astype(float)
            for c in covariates:
                columns[f"gap_{c}"] = values[c][lead, t] - values[c][f, t]
            for c in follower_covariates:
                columns[c] = values[c][f, t]
            frame = pd.DataFrame(
                {
                    "follower": pd.Categorical.from_codes(f, categories=regions),
                    "leader": pd.Categorical.from_codes(lead, categories=regions),
                    "practice": pd.Categorical.from_codes(np.full(len(f), k), categories=practices),
                    "period": t,
                    "adopted": (when[f] == t).astype(int),
                    "cluster": pd.Categorical.from_codes(cluster[f], categories=clusters),
                    "macro_region": pd.Categorical.from_codes(
                        macro_regions.codes[f], categories=macro_regions.categories
                    ),
                    **columns,
                }
            )
            gaps = [f"gap_{c}" for c in covariates] + list(follower_covariates)
            if gaps:
                complete = frame[gaps].notna().all(axis=1)
                missing += int((~complete).sum())
                frame = frame[complete]
            parts.append(frame)
    notes = {"dyads_without_covariate": missing, "graph": ties.graph if ties is not None else "none"}
    if not parts:
        empty = ["follower", "leader", "practice", "period", "adopted", "cluster", *follower_channels]
        return pd.DataFrame(columns=empty), notes
    dyads = pd.concat(parts, ignore_index=True)
    if follower_channels:
        dyads = _with_follower_channels(dyads, ds, level, practice, follower_channels)
    return dyads, notes


def _with_follower_channels(
    dyads: pd.DataFrame, ds: Dataset, level: str, practice: str | None, channels: tuple[str, ...]
) -> pd.DataFrame:
    """``dyads`` with the follower's unit channel terms, from the unit model's person-period table.

    Every follower at risk in a period is a row of that table (both start a practice's risk at its
    first adoption and keep a unit until it adopts), so each dyad finds its follower's row.
    """
    from diffusion.stats.event_history import person_period

    pp = person_period(ds, level, practice, channels=channels)
    keys = [pp["region"].astype(str), pp["practice"].astype(str), pp["period"]]
    at = pd.MultiIndex.from_arrays(keys).get_indexer(
        pd.MultiIndex.from_arrays([dyads["follower"].astype(str), dyads["practice"].astype(str), dyads["period"]])
    )
    if (at < 0).any():  # the two risk sets disagree: a bug, not the user's data
        raise AssertionError("a follower at risk has no row in the person-period table")
    return dyads.assign(**{c: pp[c].to_numpy()[at] for c in channels})


def _tied(ties, active: np.ndarray, f: np.ndarray, lead: np.ndarray, n: int) -> np.ndarray:
    """Whether each follower has an active tie to each leader (a sparse lookup: no units² array)."""
    from scipy import sparse

    on = active.astype(bool)
    matrix = sparse.csr_matrix(
        (np.ones(int(on.sum())), (ties.looker[on], ties.influencer[on])), shape=(n, n), dtype=float
    )
    return (np.asarray(matrix[f, lead]).ravel() > 0).astype(float)


def _covariate_grid(ds, regions: pd.Index, last: int, covariates: tuple[str, ...], add_covariates) -> dict:
    """Each covariate's value per unit (rows) and period (columns 0..last), lagged one year; NaN if none."""
    out: dict[str, np.ndarray] = {}
    if not covariates:
        return out
    grid = pd.DataFrame(
        {
            "region": pd.Categorical(np.repeat(regions, last), categories=regions),
            "period": np.tile(np.arange(1, last + 1), len(regions)),
        }
    )
    with_values, _ = add_covariates(grid, ds, covariates)
    for c in covariates:
        table = np.full((len(regions), last + 1), np.nan)
        rows = regions.get_indexer(with_values["region"].astype(str))
        table[rows, with_values["period"].to_numpy()] = with_values[c].to_numpy(dtype=float)
        out[c] = table
    return out


def fit_dyadic_event_history(
    ds: Dataset,
    formula: str | None = None,
    *,
    level: str | None = None,
    practice: str | None = None,
    link: Literal["logit", "cloglog", "linear"] = "logit",
    baseline: Literal["practice-period", "practice+period", "period"] = "practice-period",
    inference: Literal["wild", "jackknife", "sandwich"] = "wild",
    draws: int = 9999,
    intervals: bool = True,
    seed: int | np.random.Generator | None = 0,
    n_jobs: int | None = None,
    vary: tuple[str, ...] = (),
) -> EventHistoryModel:
    """Fit the directed-dyad event-history model (terms: :data:`DYAD_TERMS`, ``gap_<covariate>``, the
    follower's region, covariates and channel terms); options as
    :func:`diffusion.stats.event_model.fit_event_history`.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> m = fit_dyadic_event_history(load_dataset("broadband-china"), "neighbour + distance", draws=199)
    >>> m.rows_are, m.coefficients["term"].tolist()
    ('dyad-periods', ['neighbour', 'distance'])
    """
    rhs, terms, covariates, own, channels = _parse(formula, ds)
    dyads, notes = dyad_periods(
        ds,
        level,
        practice,
        terms=tuple(terms),
        covariates=tuple(covariates),
        follower_covariates=tuple(own),
        follower_channels=tuple(channels),
    )
    notes["follower_adoptions"] = (
        int(dyads.groupby(["follower", "practice", "period"], observed=True)["adopted"].first().sum())
        if len(dyads)
        else 0
    )
    said = []
    if notes["dyads_without_covariate"]:
        said.append(f"{notes['dyads_without_covariate']} dyad-periods without a covariate value were left out.")
    return fit_table(
        dyads,
        rhs,
        [*terms, *(f"gap_{c}" for c in covariates), *own, *channels],
        link=link,
        baseline=baseline,
        inference=inference,
        draws=draws,
        intervals=intervals,
        seed=seed,
        n_jobs=n_jobs,
        vary=vary,
        cluster_level=ds.geography.levels[0],
        notes=notes,
        said=said,
        rows_are="dyad-periods",
    )
