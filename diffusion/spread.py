"""How far, how fast and how concentrated each practice spreads.

:func:`spread_metrics` returns a tidy table ``series, practice, batch, level, metric, value,
lower, upper, note`` (``batch`` is the period number; NaN for whole-history metrics). Metric names
use the geography's level names; for China:

==========================================  ====================================================
metric                                      meaning
==========================================  ====================================================
``new_provinces`` / ``provinces_reached``   units of the level first reached in / up to the period
(also ``prefectures``, ``counties``)        (a unit is reached when a case lies in it)
``share_provinces_reached``                 reached / units of the level in the geography
``hazard_provinces``                        new / units not yet reached before the period
``new_adopters`` / ``adopters``             adopting units at any level (the cases' own units)
``mean_distance_from_origin_km``,           great-circle distance of adopters up to the period to
``max_distance_from_origin_km``             the nearest origin (first-period) adopter
``standard_distance_km``                    root mean squared distance of adopters from their
                                            spherical mean centre
``gini_provinces``, ``hhi_provinces``,      concentration of adopters up to the period across all
``entropy_provinces``; ``*_macro_regions``  provinces (zeros included) and macro-regions
``share_new_at_<level>``                    share of the period's new adopters at that unit level
``origin_period``                           first period of the practice
``periods_to_<k>_provinces``                periods from the origin until k provinces are reached
``periods_to_<x>pct_provinces``             ... until x % of provinces are reached
``periods_to_all_macro_regions``            ... until every macro-region has an adopter
``scale_up_ratio``                          adopters outside the origin provinces / origin adopters
``adoptions_before_promotion``,             adopters before / on or after the first dated central
``adoptions_after_promotion``               promotion event of the practice (its date in ``note``)
``bass_p``, ``bass_q``, ``bass_m``          Bass model on new adopters per period, 95 % interval
                                            in ``lower``/``upper``; NaN with the reason in
                                            ``note`` when not identifiable
==========================================  ====================================================

Distances use each adopter's own coordinates, or those of its nearest ancestor that has them
(for China: provincial capitals, and the prefectures that are capitals).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffusion.bass import fit_bass
from diffusion.concentration import gini, hhi, normalised_entropy
from diffusion.dataset import Dataset
from diffusion.distance import haversine_km
from diffusion.summary import period_labels

__all__ = ["SPREAD_COLUMNS", "adopters_by_level", "plural", "spread_metrics"]

SPREAD_COLUMNS = ["series", "practice", "batch", "level", "metric", "value", "lower", "upper", "note"]
ALL_SERIES = "all"


def plural(level: str) -> str:
    """English plural of a level name, for metric names ("county" -> "counties")."""
    if level.endswith("y") and level[-2:-1] not in "aeiou":
        return level[:-1] + "ies"
    return level if level.endswith("s") else level + "s"


def adopters_by_level(ds: Dataset) -> pd.DataFrame:
    """Timed adoption events with the unit each lies in at every level of the geography.

    A column ``at_<level>`` holds that unit's code, or "" when the event's own unit is above
    the level (a province-level case reaches no particular county).
    """
    geo = ds.geography
    ev = ds.events[ds.events["time_known"]].copy()
    ev["period"] = ev["period"].astype(int)
    codes = ev["geo_code"].unique()  # a few thousand units behind many events: look each up once
    for level in geo.levels:
        ev[f"at_{level}"] = ev["geo_code"].map({c: geo.ancestor_at(c, level) or "" for c in codes})
    return ev


def _coordinates(ds: Dataset) -> dict[str, tuple[float, float]]:
    """Each unit's coordinates, or those of its nearest ancestor that has them."""
    geo = ds.geography
    known = geo.units.dropna(subset=["lat", "lon"])
    points = {c: (float(r.lat), float(r.lon)) for c, r in known.iterrows()}
    out = {}
    for code in set(ds.events["geo_code"]) - {""}:
        for c in (code, *geo.ancestors(code)):
            if c in points:
                out[code] = points[c]
                break
    return out


def _row(series, practice, batch, level, metric, value, lower=np.nan, upper=np.nan, note=""):
    return {
        "series": series,
        "practice": practice,
        "batch": batch,
        "level": level,
        "metric": metric,
        "value": float(value),
        "lower": float(lower),
        "upper": float(upper),
        "note": note,
    }


def spread_metrics(
    ds: Dataset,
    *,
    k: int = 5,
    share: float = 0.5,
    by_series: bool = True,
    bass_intervals: str = "covariance",
    seed: int = 0,
) -> pd.DataFrame:
    """Spread metrics of every practice, over all series together and (``by_series``) per series.

    Parameters
    ----------
    ds : Dataset
    k : int
        Milestone: periods until ``k`` top-level units (provinces) are reached.
    share : float
        Milestone: periods until this share of top-level units is reached.
    by_series : bool
        Also compute each series on its own (rows with the series id; "all" = every series).
    bass_intervals, seed
        Passed to :func:`diffusion.bass.fit_bass`.

    Returns
    -------
    DataFrame with columns ``SPREAD_COLUMNS``.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> m = spread_metrics(load_dataset("broadband-china"), by_series=False)
    >>> m.query("practice == 'broadband_china' and metric == 'provinces_reached'")["value"].tolist()
    [0.0, 0.0, 21.0, 26.0, 31.0]
    """
    ev = adopters_by_level(ds)
    coords = _coordinates(ds)
    # Every period of the calendar, including batches with no case yet (their counts are zero).
    periods = period_labels(ds)["period"].astype(int).tolist()
    calendar = pd.Series(ds.events.dropna(subset=["period"]).drop_duplicates("period").set_index("period")["date"])
    scopes = [(ALL_SERIES, ev)]
    if by_series and ev["series"].nunique() > 1:
        scopes += [(s, g) for s, g in ev.groupby("series", sort=True)]
    rows: list[dict] = []
    for series, sub in scopes:
        for practice, g in sub.groupby("practice", sort=True):
            rows += _practice_rows(ds, series, practice, g, periods, coords, k, share, calendar, bass_intervals, seed)
    out = pd.DataFrame(rows, columns=SPREAD_COLUMNS)
    out["batch"] = out["batch"].astype("Int64")
    return out


def _practice_rows(ds, series, practice, g, periods, coords, k, share, calendar, bass_intervals, seed):
    geo = ds.geography
    rows = []
    origin = int(g["period"].min())
    first_unit = g.groupby("unit_id")["period"].min()  # every adopting unit, any level
    for level in geo.levels:
        first = g[g[f"at_{level}"] != ""].groupby(f"at_{level}")["period"].min()
        pop = geo.population(level)
        new = first.value_counts().reindex(periods, fill_value=0)
        cum = new.cumsum()
        name = plural(level)
        for p in periods:
            at_risk = pop - (cum[p] - new[p])
            rows += [
                _row(series, practice, p, level, f"new_{name}", new[p]),
                _row(series, practice, p, level, f"{name}_reached", cum[p]),
                _row(series, practice, p, level, f"share_{name}_reached", cum[p] / pop),
                _row(series, practice, p, level, f"hazard_{name}", new[p] / at_risk if at_risk else np.nan),
            ]
    new_any = first_unit.value_counts().reindex(periods, fill_value=0)
    rows += [_row(series, practice, p, "", "new_adopters", new_any[p]) for p in periods]
    rows += [_row(series, practice, p, "", "adopters", v) for p, v in new_any.cumsum().items()]
    rows += _dispersion_rows(series, practice, g, first_unit, origin, periods, coords)
    rows += _concentration_rows(ds, series, practice, g, periods)
    rows += _hierarchy_rows(ds, series, practice, g, first_unit, periods)
    rows += _milestone_rows(ds, series, practice, g, first_unit, origin, periods, k, share)
    rows += _promotion_rows(ds, series, practice, first_unit, calendar)
    fit = fit_bass(new_any.loc[origin:].to_numpy(), intervals=bass_intervals, seed=seed)
    for metric, value, ci in (("bass_p", fit.p, fit.p_ci), ("bass_q", fit.q, fit.q_ci), ("bass_m", fit.m, fit.m_ci)):
        note = "" if fit.identifiable else f"not identifiable: {fit.reason}"
        rows.append(_row(series, practice, np.nan, "", metric, value, *ci, note=note))
    return rows


def _dispersion_rows(series, practice, g, first_unit, origin, periods, coords):
    codes = g.drop_duplicates("unit_id").set_index("unit_id")["geo_code"].reindex(first_unit.index)
    located = codes.isin(list(coords)).to_numpy()
    when = first_unit.to_numpy()[located]
    if not (when == origin).any():
        return []
    lat, lon = np.array([coords[c] for c in codes[located]], dtype=float).reshape(-1, 2).T
    # Each unit's distance to the nearest pilot (origin-period adopter), once for all periods.
    pilots = when == origin
    dist = haversine_km(lat[:, None], lon[:, None], lat[None, pilots], lon[None, pilots]).min(axis=1)
    rows = []
    for p in periods:
        upto = when <= p
        if p < origin or not upto.any():
            continue
        d = dist[upto]
        rows += [
            _row(series, practice, p, "", "mean_distance_from_origin_km", d.mean()),
            _row(series, practice, p, "", "max_distance_from_origin_km", d.max()),
            _row(series, practice, p, "", "standard_distance_km", _standard_distance(lat[upto], lon[upto])),
        ]
    return rows


def _standard_distance(lat: np.ndarray, lon: np.ndarray) -> float:
    """Root mean squared great-circle distance from the spherical mean centre."""
    phi, lam = np.radians(lat), np.radians(lon)
    xyz = np.array([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)]).mean(axis=1)
    clat = np.degrees(np.arctan2(xyz[2], np.hypot(xyz[0], xyz[1])))
    clon = np.degrees(np.arctan2(xyz[1], xyz[0]))
    d = haversine_km(lat, lon, clat, clon)
    return float(np.sqrt((d**2).mean()))


def _concentration_rows(ds, series, practice, g, periods):
    geo = ds.geography
    top = geo.levels[0]
    tops = geo.level_units(top)
    first = g[g[f"at_{top}"] != ""].groupby(["unit_id", f"at_{top}"])["period"].min().reset_index()
    # Adopting units per top-level unit (rows) up to each period (columns).
    upto = _counts(tops.index.get_indexer(first[f"at_{top}"]), len(tops), first["period"], periods).cumsum(axis=1)
    regions = sorted(set(tops["macro_region"]) - {""})
    macro = np.zeros((len(regions), len(periods)), dtype=upto.dtype)
    in_region = tops["macro_region"].isin(regions).to_numpy()
    np.add.at(macro, pd.Index(regions).get_indexer(tops["macro_region"][in_region]), upto[in_region])
    name = plural(top)
    rows = []
    for j, p in enumerate(periods):
        per_top = upto[:, j]
        if not per_top.any():
            continue
        rows += [
            _row(series, practice, p, top, f"gini_{name}", gini(per_top)),
            _row(series, practice, p, top, f"hhi_{name}", hhi(per_top)),
            _row(series, practice, p, top, f"entropy_{name}", normalised_entropy(per_top)),
        ]
        if len(regions) > 1:
            per_macro = macro[:, j]
            rows += [
                _row(series, practice, p, "macro_region", "gini_macro_regions", gini(per_macro)),
                _row(series, practice, p, "macro_region", "hhi_macro_regions", hhi(per_macro)),
                _row(series, practice, p, "macro_region", "entropy_macro_regions", normalised_entropy(per_macro)),
            ]
    return rows


def _hierarchy_rows(ds, series, practice, g, first_unit, periods):
    levels = g.drop_duplicates("unit_id").set_index("unit_id")["unit_level"].reindex(first_unit.index)
    present = set(levels)
    order = [lvl for lvl in (*ds.geography.levels, *ds.geography.sub_levels) if lvl in present]
    new = _counts(pd.Index(order).get_indexer(levels), len(order), first_unit, periods)  # level x period
    total = new.sum(axis=0)
    rows = []
    for j, p in enumerate(periods):
        if total[j]:
            rows += [
                _row(series, practice, p, lvl, f"share_new_at_{lvl}", new[i, j] / total[j])
                for i, lvl in enumerate(order)
            ]
    return rows


def _counts(rows: np.ndarray, n_rows: int, period: pd.Series, periods: list[int]) -> np.ndarray:
    """How many items fall in each row (by position) and period: an ``n_rows`` x len(periods) table."""
    out = np.zeros((n_rows, len(periods)), dtype=np.int64)
    np.add.at(out, (rows, np.searchsorted(periods, period.to_numpy())), 1)
    return out


def _milestone_rows(ds, series, practice, g, first_unit, origin, periods, k, share):
    geo = ds.geography
    top = geo.levels[0]
    name = plural(top)
    first_top = g[g[f"at_{top}"] != ""].groupby(f"at_{top}")["period"].min()
    reached = first_top.value_counts().reindex(periods, fill_value=0).cumsum()
    pop = geo.population(top)

    def periods_until(target: float) -> float:
        hit = reached[reached >= target]
        return float(hit.index[0] - origin) if len(hit) else np.nan

    rows = [
        _row(series, practice, np.nan, "", "origin_period", origin),
        _row(series, practice, np.nan, top, f"periods_to_{k}_{name}", periods_until(k)),
        _row(series, practice, np.nan, top, f"periods_to_{round(share * 100)}pct_{name}", periods_until(share * pop)),
    ]
    macro = geo.level_units(top)["macro_region"]
    regions = set(macro) - {""}
    if len(regions) > 1:
        seen, when = set(), np.nan
        for p in periods:
            seen |= set(macro[first_top[first_top <= p].index])
            if regions <= seen:
                when = float(p - origin)
                break
        rows.append(_row(series, practice, np.nan, "macro_region", "periods_to_all_macro_regions", when))
    origin_tops = set(g.loc[g["period"] == origin, f"at_{top}"]) - {""}
    units_top = g.drop_duplicates("unit_id").set_index("unit_id")[f"at_{top}"].reindex(first_unit.index)
    pilots = int((first_unit == origin).sum())
    outside = int(((units_top != "") & ~units_top.isin(origin_tops)).sum())
    rows.append(_row(series, practice, np.nan, top, "scale_up_ratio", outside / pilots))
    return rows


def _promotion_rows(ds, series, practice, first_unit, calendar):
    events = ds.promotion_events
    if events is None or events.empty:
        return []
    mine = events[events["practices"].str.split(";").apply(lambda tags: practice in tags)]
    if mine.empty:
        return []
    date = min(mine["date"])
    when = first_unit.map(calendar)
    note = f"first central promotion of the practice: {date}"
    return [
        _row(series, practice, np.nan, "", "adoptions_before_promotion", (when < date).sum(), note=note),
        _row(series, practice, np.nan, "", "adoptions_after_promotion", (when >= date).sum(), note=note),
    ]
