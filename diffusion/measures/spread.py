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

import datetime
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from diffusion.checks import Seed, check_choice, check_int, check_number, resolve_seed
from diffusion.data.dataset import Dataset
from diffusion.data.distance import haversine_km
from diffusion.data.periods import period_labels
from diffusion.data.shared_tables import shared
from diffusion.i18n import level_plural, t
from diffusion.measures.bass import fit_bass
from diffusion.measures.concentration import concentration_by_column

__all__ = ["SPREAD_COLUMNS", "adopters_by_level", "plural", "spread_metrics"]

SPREAD_COLUMNS = ["series", "practice", "batch", "level", "metric", "value", "lower", "upper", "note"]
ALL_SERIES = "all"


def plural(level: str) -> str:
    """English plural of a level name, for metric names ("county" -> "counties")."""
    return str(level_plural(level))


def adopters_by_level(ds: Dataset) -> pd.DataFrame:
    """Timed adoption events with the unit each lies in at every level of the geography.

    A column ``at_<level>`` holds that unit's code, or "" when the event's own unit is above
    the level (a province-level case reaches no particular county).
    """
    return shared(ds, "adopters_by_level", lambda: _adopters_by_level(ds))


def _adopters_by_level(ds: Dataset) -> pd.DataFrame:
    geo = ds.geography
    ev = ds.events[ds.events["time_known"]].copy()
    ev["period"] = ev["period"].astype(int)
    # Fewer units than events: look each up once (Arrow strings iterate slowly, so from a list).
    where, codes = pd.factorize(ev["geo_code"])
    for level in geo.levels:
        ev[f"at_{level}"] = np.asarray(geo.ancestors_at(codes.tolist(), level), dtype=object)[where]
    return ev


def _coordinates(ds: Dataset) -> dict[str, tuple[float, float, bool]]:
    """Each unit's point, or its nearest ancestor's (then the flag is True: counted in the notes)."""
    codes = sorted(set(ds.events["geo_code"].unique()) - {""})
    points = ds.geography.points(codes)
    points = points[points["point_of"] != ""]
    return {
        c: (float(r.lat), float(r.lon), r.point_of != c) for c, r in zip(points.index, points.itertuples(index=False))
    }


class _Rows:
    """The tidy table, gathered a block at a time: periods x metrics of one practice as arrays (a dict
    per row was most of the time of 700 practices x 200 periods)."""

    def __init__(self) -> None:
        self.blocks: list[tuple] = []

    def grid(self, series, practice, batches, levels, metrics, values, note="", lower=None, upper=None) -> None:
        """One row per batch and metric, batch-major: ``values`` is len(batches) x len(metrics)."""
        m, k = len(batches), len(metrics)
        if m == 0:
            return
        levels = [levels] * k if isinstance(levels, str) else levels
        bounds = [np.full(m * k, np.nan) if b is None else np.asarray(b, dtype=float).ravel() for b in (lower, upper)]
        self.blocks.append(
            (
                series,
                practice,
                np.repeat(np.asarray(batches, dtype=float), k),
                np.tile(np.asarray(levels, dtype=object), m),
                np.tile(np.asarray(metrics, dtype=object), m),
                np.asarray(values, dtype=float).ravel(),
                *bounds,
                note,
            )
        )

    def one(self, series, practice, batch, level, metric, value, lower=np.nan, upper=np.nan, note="") -> None:
        """One row: a whole-history metric (``batch`` NaN), with its interval where there is one."""
        self.grid(series, practice, [batch], level, [metric], [[value]], note, [lower], [upper])

    SCALARS = (0, 1, 8)  # series, practice and note: one per block, repeated over its rows
    TEXT = (0, 1, 3, 4)  # series, practice, level and metric
    NOTE = 8

    def frame(self) -> pd.DataFrame:
        """The table of ``SPREAD_COLUMNS``, blocks in the order they were added."""
        if not self.blocks:
            return pd.DataFrame(columns=SPREAD_COLUMNS).astype({"batch": "Int64"})
        sizes = [len(b[5]) for b in self.blocks]
        columns = [
            np.repeat(np.array([b[i] for b in self.blocks], dtype=object), sizes)
            if i in self.SCALARS
            else np.concatenate([b[i] for b in self.blocks])
            for i in range(len(SPREAD_COLUMNS))
        ]
        out = pd.DataFrame(
            {
                # Text columns repeat a few values millions of times: categorical, not a string each.
                name: pd.Categorical(values) if i in self.TEXT else values
                for i, (name, values) in enumerate(zip(SPREAD_COLUMNS, columns))
            }
        )
        # Notes are messages (translated in reports): their categories are kept as the objects they are.
        codes, notes = pd.factorize(columns[self.NOTE])
        out["note"] = pd.Categorical.from_codes(codes, pd.Index(notes, dtype=object))
        out["batch"] = out["batch"].astype("Int64")
        return out


def spread_metrics(
    ds: Dataset,
    *,
    k: int = 5,
    share: float = 0.5,
    by_series: bool = True,
    bass_intervals: str = "covariance",
    seed: Seed = 0,
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
        Passed to :func:`diffusion.measures.bass.fit_bass`.

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
    seed = resolve_seed(seed)  # one int: every practice's bootstrap draws from the same seed
    k = check_int("k", k, low=1)
    share = check_number("share", share, 0, 1, low_open=True)
    check_choice("bass_intervals", bass_intervals, ("covariance", "bootstrap"))
    ev = adopters_by_level(ds)
    # Every period of the calendar, including batches with no case yet (their counts are zero).
    labels = period_labels(ds)
    periods = np.array(labels["period"].astype(int).tolist(), dtype=int)
    calendar = pd.Series(ds.events.dropna(subset=["period"]).drop_duplicates("period").set_index("period")["date"])
    timing = labels.set_index("period")[["start", "length"]]
    setting = _Setting(ds, periods, _coordinates(ds), k, share, calendar, timing, bass_intervals, seed)
    scopes = [(ALL_SERIES, ev)]
    if by_series and ev["series"].nunique() > 1:
        scopes += [(s, g) for s, g in ev.groupby("series", sort=True)]
    rows = _Rows()
    for series, sub in scopes:
        for practice, adopters in _adopters(sub, ds.geography):
            _practice_rows(rows, setting, series, practice, adopters)
    return rows.frame()


@dataclass(frozen=True)
class _Setting:
    """What every practice's metrics share."""

    ds: Dataset
    periods: np.ndarray
    coords: dict[str, tuple[float, float, bool]]
    k: int
    share: float
    calendar: pd.Series
    timing: pd.DataFrame  # start date and length (years) of each period
    bass_intervals: str
    seed: int

    @cached_property
    def population(self) -> dict[str, int]:
        """Units of each level of the geography, counted once for every practice."""
        return {level: self.ds.geography.population(level) for level in self.ds.geography.levels}

    @cached_property
    def lengths(self) -> np.ndarray:
        """Each period's length in years (NaN without dates), aligned with ``periods``."""
        return self.timing["length"].reindex(self.periods).to_numpy(dtype=float)

    @cached_property
    def first_promotion(self) -> dict[str, str]:
        """The date of each promoted practice's first dated central promotion, read once for every practice."""
        events = self.ds.promotion_events
        first: dict[str, str] = {}
        for date, tags in zip(events["date"], events["practices"]) if events is not None else ():
            if isinstance(date, str) and date and isinstance(tags, str):  # an undated promotion has no place in time
                for tag in tags.split(";"):
                    first[tag] = min(first.get(tag, date), date)
        return first

    @cached_property
    def tops(self) -> pd.DataFrame:
        """The units of the top level (provinces), looked up once for every practice."""
        geo = self.ds.geography
        return geo.level_units(geo.levels[0])


@dataclass(frozen=True)
class _Adopters:
    """One practice's adopting units, in unit-id order: first period and where each unit lies."""

    period: np.ndarray
    geo_code: np.ndarray
    unit_level: np.ndarray
    at: dict[str, np.ndarray]  # level -> position among the level's units, -1 where the unit is above it


def _adopters(ev: pd.DataFrame, geo) -> list[tuple[str, _Adopters]]:
    """Each practice's adopting units, from one grouping of all events (not one per practice)."""
    keys = ["practice", "unit_id"]
    first = {c: (c, "first") for c in ["geo_code", "unit_level", *(f"at_{lvl}" for lvl in geo.levels)]}
    units = ev.groupby(keys, sort=True).agg(period=("period", "min"), **first).reset_index()
    at = {lvl: geo.level_units(lvl).index.get_indexer(units[f"at_{lvl}"]) for lvl in geo.levels}
    starts = np.flatnonzero(~units["practice"].duplicated().to_numpy())
    bounds = zip(starts, [*starts[1:], len(units)])
    period, codes, levels = (units[c].to_numpy() for c in ("period", "geo_code", "unit_level"))
    return [
        (units["practice"].iat[a], _Adopters(period[a:b], codes[a:b], levels[a:b], {k: v[a:b] for k, v in at.items()}))
        for a, b in bounds
    ]


def _practice_rows(rows: _Rows, setting: _Setting, series: str, practice: str, u: _Adopters) -> None:
    geo, periods = setting.ds.geography, setting.periods
    origin = int(u.period.min())
    for level in geo.levels:
        pop = setting.population[level]
        first = _first_periods(u.at[level], u.period, pop)
        new = _per_period(first[first < NEVER], periods)
        cum = new.cumsum()
        at_risk = pop - (cum - new)
        with np.errstate(divide="ignore", invalid="ignore"):
            hazard = np.where(at_risk > 0, new / at_risk, np.nan)
        name = plural(level)
        metrics = [f"new_{name}", f"{name}_reached", f"share_{name}_reached", f"hazard_{name}"]
        # Per year of the period's length: comparable across unequal periods (NaN without dates).
        values = np.column_stack([new, cum, cum / pop, hazard, hazard / setting.lengths])
        rows.grid(series, practice, periods, level, [*metrics, f"hazard_{name}_per_year"], values)
    new_any = _per_period(u.period, periods)
    rows.grid(series, practice, periods, "", ["new_adopters"], new_any[:, None])
    rows.grid(series, practice, periods, "", ["adopters"], new_any.cumsum()[:, None])
    _dispersion_rows(rows, series, practice, u, origin, periods, setting.coords)
    _concentration_rows(rows, setting, series, practice, u, periods)
    _hierarchy_rows(rows, setting.ds, series, practice, u, periods)
    _milestone_rows(rows, setting, series, practice, u, origin)
    _promotion_rows(rows, setting, series, practice, u)
    fitted = periods >= origin
    times = bass_times(setting.timing, periods[fitted])
    fit = fit_bass(
        new_any[fitted],
        m_max=units_at_risk(geo, u.unit_level),
        intervals=setting.bass_intervals,
        seed=setting.seed,
        times=times,
    )
    for metric, value, ci in (("bass_p", fit.p, fit.p_ci), ("bass_q", fit.q, fit.q_ci), ("bass_m", fit.m, fit.m_ci)):
        note = "" if fit.identifiable else t("not identifiable: {reason}", reason=fit.reason)
        if fit.m_at_bound:
            note = t("m at its bound: every unit at risk adopts")
        rows.one(series, practice, np.nan, "", metric, value, *ci, note=note)


def units_at_risk(geo, levels: np.ndarray) -> int | None:
    """How many units could adopt: all units of the levels the adopters sit at; None below the geography.

    The bound of the Bass model's m: a practice cannot reach more units than exist. Adopters at
    a level the geography does not list (China: townships, villages) have no known count.

    Examples
    --------
    >>> from diffusion import load_geography
    >>> units_at_risk(load_geography(), np.array(["province", "county", "province"]))
    2877
    """
    present = set(levels)
    if not present <= set(geo.levels):
        return None
    return sum(geo.population(level) for level in present)


def bass_times(timing: pd.DataFrame, periods: np.ndarray) -> np.ndarray | None:
    """When each period's adopters are counted, in years, for a Bass fit in real time; None without dates.

    Adopters of a period are counted at its start; the first period's adopters are taken to have
    accrued over that period's length (for yearly periods: t = 1, 2, 3, ...).

    Examples
    --------
    >>> timing = pd.DataFrame({"start": ["2019-05-01", "2020-07-01", "2020-12-01"], "length": [1.169, 0.419, 0.085]},
    ...                       index=[1, 2, 3])
    >>> bass_times(timing, np.array([1, 2, 3])).round(3).tolist()
    [1.169, 2.338, 2.757]
    """
    rows = timing.loc[periods]
    if (rows["start"] == "").any() or rows["length"].isna().any():
        return None
    days = np.array([datetime.date.fromisoformat(d).toordinal() for d in rows["start"]])  # any year, 1 to 9999
    return np.round((days - days[0]) / 365.25 + float(rows["length"].iloc[0]), 6)


NEVER = np.iinfo(np.int64).max  # first period of a unit no adopter lies in


def _first_periods(at: np.ndarray, period: np.ndarray, n_units: int) -> np.ndarray:
    """First period of every unit of a level an adopter lies in (``NEVER`` for the others)."""
    inside = at >= 0
    first = np.full(n_units, NEVER)
    np.minimum.at(first, at[inside], period[inside])
    return first


def _per_period(period: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """How many of ``period`` fall in each period of the calendar."""
    return np.bincount(np.searchsorted(periods, period), minlength=len(periods))


def _dispersion_rows(rows: _Rows, series, practice, u: _Adopters, origin, periods, coords) -> None:
    located = np.array([c in coords for c in u.geo_code], dtype=bool)
    when = u.period[located]
    if not (when == origin).any():
        return
    lat, lon, borrowed = np.array([coords[c] for c in u.geo_code[located]], dtype=float).reshape(-1, 3).T
    note = f"{int(borrowed.sum())} units at a parent's point (no point of their own)" if borrowed.any() else ""
    # Each unit's distance to the nearest pilot (origin-period adopter), once for all periods.
    pilots = when == origin
    dist = haversine_km(lat[:, None], lon[:, None], lat[None, pilots], lon[None, pilots]).min(axis=1)
    shown = periods[periods >= origin]
    upto = when[:, None] <= shown[None, :]  # adopter x period: adopted by then
    n = upto.sum(axis=0)
    mean = (dist[:, None] * upto).sum(axis=0) / n
    furthest = np.where(upto, dist[:, None], -np.inf).max(axis=0)
    values = np.column_stack([mean, furthest, _standard_distances(lat, lon, upto)])
    metrics = ["mean_distance_from_origin_km", "max_distance_from_origin_km", "standard_distance_km"]
    rows.grid(series, practice, shown, "", metrics, values, note)


def _standard_distances(lat: np.ndarray, lon: np.ndarray, upto: np.ndarray) -> np.ndarray:
    """Root mean squared great-circle distance of the points of each column of ``upto`` from their
    spherical mean centre."""
    phi, lam = np.radians(lat), np.radians(lon)
    xyz = np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
    centre = (upto.T @ xyz) / upto.sum(axis=0)[:, None]  # period x 3
    clat = np.degrees(np.arctan2(centre[:, 2], np.hypot(centre[:, 0], centre[:, 1])))
    clon = np.degrees(np.arctan2(centre[:, 1], centre[:, 0]))
    d = haversine_km(lat[:, None], lon[:, None], clat[None, :], clon[None, :])
    return np.sqrt((d**2 * upto).sum(axis=0) / upto.sum(axis=0))


def _concentration_rows(rows: _Rows, setting: _Setting, series, practice, u: _Adopters, periods) -> None:
    top, tops = setting.ds.geography.levels[0], setting.tops
    inside = u.at[top] >= 0
    # Adopting units per top-level unit (rows) up to each period (columns).
    upto = _counts(u.at[top][inside], len(tops), u.period[inside], periods).cumsum(axis=1)
    regions = sorted(set(tops["macro_region"]) - {""})
    macro = np.zeros((len(regions), len(periods)), dtype=upto.dtype)
    in_region = tops["macro_region"].isin(regions).to_numpy()
    np.add.at(macro, pd.Index(regions).get_indexer(tops["macro_region"][in_region]), upto[in_region])
    name = plural(top)
    shown = upto.any(axis=0)
    metrics, levels = [f"gini_{name}", f"hhi_{name}", f"entropy_{name}"], [top] * 3
    values = [np.column_stack(concentration_by_column(upto[:, shown]))]
    if len(regions) > 1:
        metrics += ["gini_macro_regions", "hhi_macro_regions", "entropy_macro_regions"]
        levels += ["macro_region"] * 3
        values.append(np.column_stack(concentration_by_column(macro[:, shown])))
    rows.grid(series, practice, periods[shown], levels, metrics, np.hstack(values))


def _hierarchy_rows(rows: _Rows, ds, series, practice, u: _Adopters, periods) -> None:
    present = set(u.unit_level)
    order = [lvl for lvl in (*ds.geography.levels, *ds.geography.sub_levels) if lvl in present]
    new = _counts(pd.Index(order).get_indexer(u.unit_level), len(order), u.period, periods)  # level x period
    total = new.sum(axis=0)
    shown = total > 0
    metrics = [f"share_new_at_{lvl}" for lvl in order]
    rows.grid(series, practice, periods[shown], order, metrics, (new[:, shown] / total[shown]).T)


def _counts(rows: np.ndarray, n_rows: int, period: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """How many items fall in each row (by position) and period: an ``n_rows`` x len(periods) table."""
    out = np.zeros((n_rows, len(periods)), dtype=np.int64)
    np.add.at(out, (rows, np.searchsorted(periods, period)), 1)
    return out


def _milestone_rows(rows: _Rows, setting: _Setting, series, practice, u: _Adopters, origin) -> None:
    geo, periods, k, share = setting.ds.geography, setting.periods, setting.k, setting.share
    top = geo.levels[0]
    name = plural(top)
    tops = setting.tops
    inside = u.at[top] >= 0
    first_top = _first_periods(u.at[top], u.period, len(tops))
    reached = _per_period(first_top[first_top < NEVER], periods).cumsum()
    pop = setting.population[top]

    def periods_until(target: float) -> float:
        hit = np.flatnonzero(reached >= target)
        return float(periods[hit[0]] - origin) if len(hit) else np.nan

    rows.one(series, practice, np.nan, "", "origin_period", origin)
    rows.one(series, practice, np.nan, top, f"periods_to_{k}_{name}", periods_until(k))
    rows.one(series, practice, np.nan, top, f"periods_to_{round(share * 100)}pct_{name}", periods_until(share * pop))
    macro = tops["macro_region"].to_numpy()
    regions = set(macro) - {""}
    if len(regions) > 1:
        # Every macro-region is reached when the last of them reaches its first top-level unit.
        earliest = [first_top[macro == r].min() for r in sorted(regions)]
        done = max(earliest)
        when = float(done - origin) if done < NEVER else np.nan
        rows.one(series, practice, np.nan, "macro_region", "periods_to_all_macro_regions", when)
    origin_tops = np.unique(u.at[top][inside & (u.period == origin)])
    pilots = int((u.period == origin).sum())
    outside = int((inside & ~np.isin(u.at[top], origin_tops)).sum())
    rows.one(series, practice, np.nan, top, "scale_up_ratio", outside / pilots)


def _promotion_rows(rows: _Rows, setting: _Setting, series, practice, u: _Adopters) -> None:
    date = setting.first_promotion.get(practice)
    if date is None:
        return
    when = setting.calendar.reindex(u.period)
    note = f"first central promotion of the practice: {date}"
    rows.one(series, practice, np.nan, "", "adoptions_before_promotion", (when < date).sum(), note=note)
    rows.one(series, practice, np.nan, "", "adoptions_after_promotion", (when >= date).sum(), note=note)
