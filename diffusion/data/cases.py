"""From a table of cases to validated cases and adoption events.

Every problem in the file is collected (row, column, value, what was expected, how to fix
it) and raised at once as a :class:`~diffusion.errors.ValidationError`.

A row is one case at one unit. A case that covers several units (a city cluster printed as
one pilot) is written as one row per unit with the same ``case_id``; such rows must agree on
series, batch, year, date, title and practices, otherwise the id is reported as duplicated.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from diffusion.data.geography import Geography
from diffusion.data.io import Table
from diffusion.data.place_cells import PlaceParser
from diffusion.data.places import resolver_for
from diffusion.data.problems import Problems, per_distinct
from diffusion.data.schema import (
    COLUMN_ALIASES,
    REQUIRED,
    TIME_COLUMNS,
    canonical_columns,
    parse_batch,
    parse_date,
    parse_year,
)
from diffusion.data.vocabulary import Vocabulary, split_practices
from diffusion.errors import ValidationError

__all__ = ["CASE_LEVEL_FIELDS", "ParsedCases", "parse_cases"]

CASE_LEVEL_FIELDS = ["series", "batch", "year", "date", "title", "practices"]
CONFIDENCE = {"high": "high", "medium": "medium", "low": "low", "高": "high", "中": "medium", "低": "low"}


@dataclass(frozen=True)
class ParsedCases:
    """Validated case rows, adoption events and non-fatal warnings."""

    cases: pd.DataFrame
    events: pd.DataFrame
    warnings: pd.DataFrame
    vocabulary: Vocabulary


def parse_cases(
    table: Table,
    geography: Geography,
    vocabulary: Vocabulary,
    *,
    series: str | None = None,
    batches: pd.DataFrame | None = None,
    extend_vocabulary: bool = False,
    allow_unresolved: bool = False,
) -> ParsedCases:
    """Validate a table of cases and derive one adoption event per (unit, practice, time).

    Parameters
    ----------
    table : Table
        As returned by :func:`diffusion.data.io.read_table`.
    geography, vocabulary
        What place names and practices are resolved against.
    series : str, optional
        Series of rows that have no ``series`` column or cell (default: the file's stem).
    batches : DataFrame, optional
        Known batches (``series, batch, date``) used to date rows that give only a batch.
    extend_vocabulary : bool
        Accept practices that are not in the vocabulary, adding them as new tags.
    allow_unresolved : bool
        Keep a row whose place name is not in the geography, attached to the nearest parent
        that is, with a warning (instead of an error).

    Raises
    ------
    ValidationError
        With every problem found.
    """
    problems = Problems(table.path, table.rows)
    frame = _rename(table.frame, geography, problems)
    if problems.failures:
        raise ValidationError(pd.DataFrame(problems.failures), source=table.path)
    frame = frame.copy()
    default_series = series or _stem(table.path)
    if "series" not in frame.columns:
        frame["series"] = ""
    frame["series"] = frame["series"].where(frame["series"] != "", default_series)

    if extend_vocabulary:
        names = [p for cell in frame["practices"].unique() for p in split_practices(cell)]
        vocabulary = vocabulary.extended(names)
    places = PlaceParser(geography, resolver_for(geography), allow_unresolved)
    place_columns = [c for c in frame.columns if c in places.columns]
    show = len(frame) > 20_000 and sys.stderr.isatty()  # a progress bar on large files, on terminals only
    for i in np.flatnonzero((frame["case_id"] == "").to_numpy()):
        problems.add(int(i), "case_id", "", "empty case id", "a unique id per case", "fill in an id such as B1-01")
    # Each field is parsed once per distinct cell (or combination of cells) and the result, with
    # any problem, given to every row that has it: a national file repeats a few thousand places.
    fields = [
        per_distinct(frame, TIME_COLUMNS, lambda row, pr: _parse_time(0, row, pr), problems),
        per_distinct(frame, place_columns, places.parse, problems, progress=show),
        per_distinct(
            frame,
            ["practices"],
            lambda row, pr: {"practices": _parse_practices(0, row["practices"], vocabulary, pr)},
            problems,
        ),
        per_distinct(
            frame, ["confidence"], lambda row, pr: {"confidence": _parse_confidence(0, row["confidence"], pr)}, problems
        ),
    ]
    problems.sort_by_row()
    cases = pd.concat(
        [
            pd.DataFrame({"row": table.rows, "case_id": frame["case_id"], "series": frame["series"]}),
            *fields,
            frame[["title", "title_en", "sources", "notes"]],
        ],
        axis=1,
    )
    _check_ids(cases, problems)
    cases = _fill_time(cases, batches, problems)
    if problems.failures:
        raise ValidationError(pd.DataFrame(problems.failures), source=table.path)
    calendar = set(cases["date"]) - {""}
    if batches is not None:
        calendar |= set(batches.loc[batches["series"].isin(cases["series"]), "date"]) - {""}
    events = _events(cases, geography, sorted(calendar))
    cases["period"] = cases["date"].map({d: k + 1 for k, d in enumerate(sorted(calendar))}).astype("Int64")
    warnings = pd.DataFrame(problems.warnings, columns=["file", "row", "column", "value", "problem", "expected", "fix"])
    return ParsedCases(cases, events, warnings, vocabulary)


def _stem(path: str) -> str:
    return Path(path).stem


def _rename(frame: pd.DataFrame, geo: Geography, problems: Problems) -> pd.DataFrame:
    mapping, clashes = canonical_columns(list(frame.columns), geo.levels + geo.sub_levels)
    for canon, headers in clashes.items():
        problems.add(
            None,
            ", ".join(headers),
            "",
            f"several columns mean '{canon}'",
            "one column per field",
            f"keep one of {headers} and rename or delete the others",
        )
    renamed = frame.rename(columns=mapping)
    present = set(mapping.values())
    found = f"columns in the file: {list(frame.columns)}"
    for col in REQUIRED:
        if col not in present:
            problems.add(
                None,
                col,
                "",
                "missing required column",
                f"a column named one of {COLUMN_ALIASES[col]}; {found}",
                f"add a '{col}' column or rename the column that holds it",
            )
    places = {"unit", "unit_code", *geo.levels, *(lvl + "_code" for lvl in geo.levels), *geo.sub_levels}
    if not places & present:
        problems.add(
            None,
            "place",
            "",
            "missing place column",
            f"at least one of unit, unit_code, {', '.join(geo.levels)} (or their codes); {found}",
            "add the place of each case, e.g. a column 省份 and a column 区县",
        )
    if not set(TIME_COLUMNS) & present:
        problems.add(
            None,
            "batch/year/date",
            "",
            "missing time column",
            f"at least one of batch (批次), year (年份), date (日期); {found}",
            "add the batch or year of each case (cells may be empty where unknown)",
        )
    for col in (*REQUIRED, "title", "title_en", "sources", "notes", "confidence", *TIME_COLUMNS):
        if col not in renamed.columns:
            renamed[col] = ""
    return renamed


_TIME_CELLS = [  # column, parser, what is expected, how to fix
    ("batch", parse_batch, "a batch number such as 1, 第一批 or 第1批", "write the batch as a number"),
    ("year", parse_year, "a four-digit year such as 2019", "write the year as four digits"),
    ("date", parse_date, "a date such as 2019-05, 2019-05-12 or 2019年5月", "write the date as YYYY-MM or YYYY-MM-DD"),
]


def _parse_time(i: int, row: dict, problems: Problems) -> dict:
    out: dict = {"batch": np.nan, "year": np.nan, "date": ""}
    for column, parse, expected, fix in _TIME_CELLS:
        if not row[column]:
            continue
        value = parse(row[column])
        if value is None:
            problems.add(
                i, column, row[column], f"unreadable {column}", expected, fix + ", or leave it empty if unknown"
            )
        else:
            out[column] = value
    if out["date"]:
        if not np.isnan(out["year"]) and int(out["date"][:4]) != out["year"]:
            problems.add(
                i,
                "date",
                row["date"],
                f"date is not in the year given ({int(out['year'])})",
                "the same year in both columns",
                "correct the year or the date",
            )
            out["date"] = ""
        else:
            out["year"] = int(out["date"][:4])
    return out


def _parse_practices(i: int, cell: str, vocabulary: Vocabulary, problems: Problems) -> str:
    names = split_practices(cell)
    if not names:
        problems.add(
            i,
            "practices",
            "",
            "no practice given",
            "one or more practices separated by ; or 、",
            "fill in the practices of the case",
        )
        return ""
    tags = []
    for name in names:
        tag = vocabulary.lookup(name)
        if tag is None:
            problems.add(
                i,
                "practices",
                name,
                "unknown practice",
                f"one of: {vocabulary.describe_known()}",
                "use a known tag or label, or extend the vocabulary (`extend_vocabulary`, or your own `vocabulary`)",
            )
        else:
            tags.append(tag)
    return ";".join(dict.fromkeys(tags))


def _parse_confidence(i: int, cell: str, problems: Problems) -> str:
    if not cell:
        return ""
    value = CONFIDENCE.get(cell.strip().lower())
    if value is None:
        problems.add(
            i,
            "confidence",
            cell,
            "unknown confidence level",
            "high, medium or low (高/中/低)",
            "write one of the three levels, or leave it empty",
        )
        return ""
    return value


def _check_ids(cases: pd.DataFrame, problems: Problems) -> None:
    ids = cases[(cases["case_id"] != "") & cases["case_id"].duplicated(keep=False)]
    for cid, group in ids.groupby("case_id", sort=False):
        if len(group) == 1:
            continue
        first = group.iloc[0]
        fields = [c for c in CASE_LEVEL_FIELDS if group[c].astype(str).nunique(dropna=False) > 1]
        same_unit = group["unit_id"].duplicated(keep="first") & (group["unit_id"] != "")
        for _, dup in group.iloc[1:].iterrows():  # only rows whose id repeats
            if fields or same_unit.loc[dup.name]:
                why = f"differs in {', '.join(fields)}" if fields else "same unit again"
                problems.at_line(
                    dup["row"],
                    "case_id",
                    cid,
                    f"duplicate case id (first on row {first['row']}; {why})",
                    "a unique id per case; rows of one multi-unit case agree on series, batch, year, title, practices",
                    "give this case its own id",
                )


def _fill_time(cases: pd.DataFrame, batches: pd.DataFrame | None, problems: Problems) -> pd.DataFrame:
    """Date rows that give only a batch: from the batches table, else from other rows of the batch."""
    cases = cases.copy()
    known: dict[tuple[str, int], str] = {}
    if batches is not None:
        known = {(s, int(b)): d for s, b, d in batches[["series", "batch", "date"]].itertuples(index=False)}
    has_batch = cases["batch"].notna()
    yearly = cases[has_batch & cases["year"].notna()]
    for (s, b), g in yearly.groupby(["series", "batch"]):
        years = sorted(int(y) for y in g["year"].unique())
        if len(years) > 1:
            for row, year in zip(g["row"], g["year"]):
                problems.at_line(
                    row,
                    "year",
                    int(year),
                    f"batch {int(b)} of series '{s}' has several years {years}",
                    "one year per batch",
                    "correct the batch or the year",
                )
    dated = cases[has_batch & (cases["date"] != "")]
    for (s, b), d in dated.groupby(["series", "batch"])["date"].min().items():
        known.setdefault((s, int(b)), d)
    for (s, b), y in yearly.groupby(["series", "batch"])["year"].first().items():
        known.setdefault((s, int(b)), str(int(y)))
    keys = ["series", "batch", "date", "year"]
    distinct = cases[keys].drop_duplicates()  # a few batches and years behind many rows
    dates, years = [], []
    for series, batch, date, year in distinct.itertuples(index=False):
        if not date and pd.notna(batch):
            d = known.get((series, int(batch)), "")
            # A batch date in another year than the row's own year gives way to the row's year.
            date = d if d and (pd.isna(year) or int(d[:4]) == int(year)) else ""
        if not date and pd.notna(year):
            date = str(int(year))
        dates.append(date)
        years.append(int(date[:4]) if date else year)
    filled = distinct.assign(new_date=dates, new_year=years)
    merged = cases[keys].merge(filled, on=keys, how="left")
    cases["date"], cases["year"] = merged["new_date"].to_numpy(), merged["new_year"].to_numpy()
    undated = has_batch & (cases["date"] == "")
    if (cases["date"] != "").any():
        for row, series, batch in cases.loc[undated, ["row", "series", "batch"]].itertuples(index=False):
            problems.at_line(
                row,
                "year",
                "",
                f"batch {int(batch)} of series '{series}' has no year, while other rows are dated",
                "a year or date for every batch, so that series can be ordered in time",
                "fill in the year of this batch",
            )
    else:
        # No calendar at all: batches order time by themselves.
        cases["date"] = cases["batch"].map(lambda b: "" if pd.isna(b) else f"batch {int(b):03d}")
    cases["batch"] = cases["batch"].astype("Int64")
    cases["year"] = pd.to_numeric(cases["year"]).astype("Int64")
    return cases


def _events(cases: pd.DataFrame, geo: Geography, calendar: list[str]) -> pd.DataFrame:
    """One row per (unit, practice, time); several cases for the same event are listed together."""
    rows = cases[cases["unit_id"] != ""].assign(practice=lambda d: d["practices"].str.split(";")).explode("practice")
    rows = rows[rows["practice"].notna() & (rows["practice"] != "")]
    keys = ["unit_id", "practice", "date"]
    level_codes = [lvl + "_code" for lvl in geo.levels]
    agg = {
        c: "first"
        for c in ["unit_name", "unit_level", "geo_code", *level_codes, "series", "batch", "year", "confidence"]
    }
    rows = rows.sort_values(["date", "case_id"], kind="stable")
    events = (
        rows.groupby(keys, sort=True, dropna=False)
        .agg(case_id=("case_id", "first"), **{c: (c, f) for c, f in agg.items()})
        .reset_index()
    )
    # Several cases for one event are rare: join their ids only where they occur.
    shared = rows[rows.duplicated(keys, keep=False)]
    shared = shared[[*keys, "case_id"]].drop_duplicates().sort_values([*keys, "case_id"])
    starts = np.flatnonzero(~shared.duplicated(keys).to_numpy())  # each event's first row (sorted: contiguous)
    ids = np.split(shared["case_id"].to_numpy(dtype=object), starts[1:])
    joined = shared.iloc[starts][keys].assign(case_id=[";".join(x) for x in ids])
    events["case_ids"] = events["case_id"]
    if len(joined):
        listed = events[keys].merge(joined, on=keys, how="left")["case_id"].to_numpy()
        events["case_ids"] = events["case_ids"].where(pd.isna(listed), listed)
    top = events[geo.levels[0] + "_code"]
    events["macro_region"] = top.map({c: geo.macro_region(c) if c else "" for c in top.unique()})
    events["period"] = events["date"].map({d: k + 1 for k, d in enumerate(calendar)}).astype("Int64")
    events["time_known"] = events["date"] != ""
    cols = [
        "unit_id",
        "unit_name",
        "unit_level",
        "geo_code",
        *level_codes,
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
    return events[cols].sort_values(["date", "unit_id", "practice"]).reset_index(drop=True)
