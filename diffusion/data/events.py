"""Adoption events from validated cases: one row per (unit, practice, time).

A case names one or more practices; each is an adoption by the case's unit at the case's time.
Several cases for the same event (two cases of one county with the same practice in one batch)
make one event, which keeps the first case (by date, then case id) and lists all of them in
``case_ids``. Everything is done on integer codes of the text columns: sorting and grouping
hundreds of thousands of strings cost most of reading a large file.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from diffusion.data.geography import Geography

__all__ = ["EVENT_COLUMNS", "events_of"]

EVENT_COLUMNS = [
    "unit_id",
    "unit_name",
    "unit_level",
    "geo_code",
    # the level codes of the geography go here
    "macro_region",
    "practice",
    "series",
    "batch",
    "year",
    "date",
    "period",
    "time_known",
    "case_id",
    "case_ids",
    "confidence",
]


def events_of(cases: pd.DataFrame, geo: Geography, period_of: dict[str, int]) -> pd.DataFrame:
    """One row per (unit, practice, date) of the cases that have a unit, sorted by date, unit and practice.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> ds = load_dataset("leading-cases")
    >>> events = events_of(ds.cases, ds.geography, {d: i + 1 for i, d in enumerate(sorted(set(ds.cases["date"])))})
    >>> len(events) == len(ds.events)
    True
    """
    level_codes = [level + "_code" for level in geo.levels]
    first = ["unit_name", "unit_level", "geo_code", *level_codes, "series", "batch", "year", "confidence"]
    kept = cases[(cases["unit_id"] != "").to_numpy()]
    row, practice = _named_practices(kept["practices"])
    unit = _codes(kept["unit_id"])[row]
    date = _codes(kept["date"])[row]
    case = _codes(kept["case_id"])[row]
    practice_code, practices = pd.factorize(practice, sort=True)
    # The rows by date, then case id (a stable sort); an event keeps the first of its rows.
    order = np.lexsort((case, date))
    key = (unit[order] * (len(practices) + 1) + practice_code[order]) * (int(date.max(initial=0)) + 1) + date[order]
    _, start, group = np.unique(key, return_index=True, return_inverse=True)  # groups sorted by unit, practice, date
    # Events in their final order (date, unit, practice); ``rank`` maps a group to its event.
    firsts = order[start]
    by_time = np.lexsort((practice_code[firsts], unit[firsts], date[firsts]))
    rank = np.empty_like(by_time)
    rank[by_time] = np.arange(len(by_time))
    group = rank[group]
    taken = row[firsts[by_time]]
    events = pd.DataFrame({column: _take(kept[column], taken) for column in ["unit_id", "date", "case_id"]})
    names = np.asarray(practices, dtype=object)[practice_code[firsts[by_time]]]
    events.insert(1, "practice", pd.Series(names, dtype=kept["practices"].dtype))
    for column in first:
        events[column] = _first(kept[column], taken, row[order], group)
    case_ids = kept["case_id"].to_numpy(dtype=object)[row[order]]
    events["case_ids"] = _case_lists(case_ids, case[order], group, events["case_id"])
    top = events[geo.levels[0] + "_code"]
    events["macro_region"] = _per_distinct(top, lambda c: geo.macro_region(c) if c else "", top.dtype)
    events["period"] = _per_distinct(events["date"], period_of.get, "Int64")
    events["time_known"] = events["date"] != ""
    return events[[*EVENT_COLUMNS[:4], *level_codes, *EVENT_COLUMNS[4:]]]


def _take(column: pd.Series, positions: np.ndarray) -> pd.Series:
    """The values at ``positions``, with a fresh index (the column's type kept)."""
    return column.iloc[positions].reset_index(drop=True)


def _per_distinct(values: pd.Series, fn, dtype) -> pd.Series:
    """``fn`` of each value, called once per distinct value."""
    codes, distinct = pd.factorize(values)
    return pd.Series(pd.array([fn(v) for v in distinct] + [None], dtype=dtype)[codes])


def _codes(values: pd.Series) -> np.ndarray:
    """Integer codes in the order of the sorted values."""
    return pd.factorize(values, sort=True)[0]


def _named_practices(cells: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each practice named in the ";"-separated cells: the position of its cell, and its name."""
    values = cells.to_numpy(dtype=object)
    try:
        lists = pc.split_pattern(pa.array(values, type=pa.string()), ";")
        row = pc.list_parent_indices(lists).to_numpy()
        names = pc.list_flatten(lists).to_numpy(zero_copy_only=False)
    except UnicodeEncodeError:  # a lone surrogate (a JSON escape) is not UTF-8: split in Python
        split = [cell.split(";") for cell in values]
        row = np.repeat(np.arange(len(split)), [len(parts) for parts in split])
        names = np.array([name for parts in split for name in parts], dtype=object)
    named = names != ""
    return row[named], names[named]


def _first(column: pd.Series, taken: np.ndarray, rows: np.ndarray, group: np.ndarray) -> pd.Series:
    """Each event's first value that is not missing (as ``groupby.first``).

    ``taken``: each event's first row; ``rows`` and ``group``: every row of the events, in order,
    and its event.
    """
    if not column.isna().any():  # the first row's value
        return _take(column, taken)
    return column.iloc[rows].groupby(group).first().reindex(range(len(taken))).reset_index(drop=True)


def _case_lists(case_ids: np.ndarray, case: np.ndarray, group: np.ndarray, first: pd.Series) -> np.ndarray:
    """Each event's case ids joined by ";", sorted: its first case alone where only one case names it.

    ``case_ids`` and their sorted codes ``case`` and ``group`` (the event) are given per row.
    """
    out = first.to_numpy(dtype=object).copy()
    shared = np.flatnonzero(np.bincount(group)[group] > 1)  # rows of events named by several rows
    if len(shared):
        # Distinct (event, case) pairs, sorted by event and then case id; one run of pairs per event.
        _, at = np.unique(group[shared] * (int(case.max()) + 1) + case[shared], return_index=True)
        events, ids = group[shared][at], case_ids[shared][at]
        starts = np.flatnonzero(np.r_[True, events[1:] != events[:-1]])
        ids, ends = ids.tolist(), [*starts[1:].tolist(), len(ids)]  # list slices: no array per event
        out[events[starts]] = [";".join(ids[a:b]) for a, b in zip(starts.tolist(), ends)]
    return out
