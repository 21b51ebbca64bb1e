"""From a table of cases to validated cases and adoption events.

Every problem in the file is collected (row, column, value, what was expected, how to fix
it) and raised at once as a :class:`~diffusion.errors.ValidationError`.

A row is one case at one unit. A case that covers several units (a city cluster printed as
one pilot) is written as one row per unit with the same ``case_id``; such rows must agree on
series, batch, year, date, title and practices, otherwise the id is reported as duplicated.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from diffusion.checks import check_choice
from diffusion.data.calendar import TimeUnit, build_calendar
from diffusion.data.case_time import fill_time, parse_time
from diffusion.data.events import events_of
from diffusion.data.geography import Geography
from diffusion.data.header import fix_header
from diffusion.data.io import Table
from diffusion.data.place_cells import PlaceParser
from diffusion.data.places import resolver_for
from diffusion.data.problems import Closest, Problems, per_distinct
from diffusion.data.schema import (
    COLUMN_ALIASES,
    REQUIRED,
    TIME_COLUMNS,
    canonical_columns,
)
from diffusion.data.traditional import fold_traditional, has_traditional
from diffusion.data.vocabulary import Vocabulary
from diffusion.data.wide import Layout, to_long
from diffusion.errors import ValidationError, problem_table
from diffusion.i18n import t

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
    calendar: pd.DataFrame


def parse_cases(
    table: Table,
    geography: Geography,
    vocabulary: Vocabulary,
    *,
    series: str | None = None,
    batches: pd.DataFrame | None = None,
    extend_vocabulary: bool = False,
    allow_unresolved: bool = False,
    header_row: int | None = None,
    practice_separator: str | None = None,
    layout: Layout = "auto",
    time: TimeUnit = "batch",
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
    header_row : int, optional
        The line of the column names; by default the line (or two lines) among the first that
        names the most known columns (see :func:`diffusion.data.header.fix_header`).
    practice_separator : str, optional
        What separates practices in a cell, or ``"none"`` (one practice a cell); by default
        ``; ； 、 ， , / | `` and line breaks, known names kept whole (:meth:`Vocabulary.split`).
    layout : {"auto", "long", "wide"}
        A row per case ("long"), or a row per unit and a column per practice holding years,
        dates or batches ("wide"; see :func:`diffusion.data.wide.to_long`); "auto" tells them apart.
    time : {"batch", "year", "month"}
        The time unit of the periods (see :func:`diffusion.data.calendar.build_calendar`).

    Raises
    ------
    ValidationError
        With every problem found.
    """
    problems = Problems(table.path, table.rows)
    table = fix_header(table, geography.levels + geography.sub_levels, problems, header_row)
    table = to_long(table, geography.levels, vocabulary, check_choice("layout", layout, get_args(Layout)), problems)
    problems.rows = table.rows
    frame = _rename(table.frame, geography, problems)
    if problems.failures:
        raise ValidationError(problems.failures, source=table.path)
    frame = _drop_total_rows(frame, problems)
    if frame.empty:
        problems.at_line(
            1,
            "row",
            "",
            t("no case left: every row looks like a total row"),
            t("one case per row"),
            t("add the cases"),
        )
        raise ValidationError(problems.failures, source=table.path)
    default_series = series or _stem(table.path)
    if "series" not in frame.columns:
        frame["series"] = ""
    frame["series"] = frame["series"].where(frame["series"] != "", default_series)

    if extend_vocabulary:
        names = [p for cell in frame["practices"].unique() for p in vocabulary.split(cell, practice_separator)]
        new = [n for n in dict.fromkeys(names) if vocabulary.lookup(n) is None]
        vocabulary = vocabulary.extended(names)
        for name in new:  # never silent: each new tag is listed
            problems.at_line(
                1,
                "practices",
                name,
                t("new practice added to the vocabulary"),
                t("a practice of the vocabulary"),
                t("check that the name is whole (`practice_separator` sets how cells are split)"),
                warning=True,
            )
    places = PlaceParser(geography, resolver_for(geography), allow_unresolved)
    closest = Closest()
    place_columns = [c for c in frame.columns if c in places.columns]
    show = len(frame) > 20_000 and sys.stderr.isatty()  # a progress bar on large files, on terminals only
    for i in np.flatnonzero((frame["case_id"] == "").to_numpy()):
        problems.add(
            int(i), "case_id", "", t("empty case id"), t("a unique id per case"), t("fill in an id such as B1-01")
        )
    # ";" lists the cases behind one adoption, and control characters break the exports: refused here.
    ids = frame["case_id"]
    # Arrow strings are valid UTF-8 (no lone surrogate) and searched without Python; others are not.
    arrow = isinstance(ids.dtype, pd.StringDtype) and ids.dtype.storage == "pyarrow"
    unfit = ids.str.contains(r"[;\x00-\x1f\x7f]" if arrow else r"[;\x00-\x1f\x7f\ud800-\udfff]", regex=True)
    for i in np.flatnonzero(unfit.to_numpy()):
        problems.add(
            int(i),
            "case_id",
            frame["case_id"].iloc[i],
            t("case id with a semicolon or a control character"),
            t("letters, digits and punctuation other than ;"),
            t("replace ; (and any invisible character) in the id, e.g. with -"),
        )
    # Each field is parsed once per distinct cell (or combination of cells) and the result, with
    # any problem, given to every row that has it: a national file repeats a few thousand places.
    fields = [
        per_distinct(frame, TIME_COLUMNS, lambda row, pr: parse_time(0, row, pr), problems),
        per_distinct(frame, place_columns, places.parse, problems, progress=show),
        per_distinct(
            frame,
            ["practices"],
            lambda row, pr: {
                "practices": _parse_practices(row["practices"], vocabulary, pr, practice_separator, closest)
            },
            problems,
        ),
        per_distinct(
            frame, ["confidence"], lambda row, pr: {"confidence": _parse_confidence(0, row["confidence"], pr)}, problems
        ),
    ]
    _report_folding(frame, table.frame.columns, places, vocabulary, problems, practice_separator)
    problems.sort_by_row()
    cases = pd.concat(
        [
            pd.DataFrame({"row": problems.rows, "case_id": frame["case_id"], "series": frame["series"]}),
            *fields,
            frame[["title", "title_en", "sources", "notes"]],
        ],
        axis=1,
    )
    _check_ids(cases, problems)
    cases = fill_time(cases, batches, problems)
    if problems.failures:
        raise ValidationError(problems.failures, source=table.path)
    dates = set(cases["date"].unique()) - {""}
    if batches is not None:  # isin on the distinct series: Arrow's isin lists every value it is given
        dates |= set(batches.loc[batches["series"].isin(cases["series"].unique()), "date"]) - {""}
    calendar, period_of = build_calendar(sorted(dates), time)
    events = events_of(cases, geography, period_of)
    cases["period"] = cases["date"].map(period_of).astype("Int64")
    warnings = problem_table(problems.warnings)
    return ParsedCases(cases, events, warnings, vocabulary, calendar)


_TOTAL = re.compile(
    r"(合计|总计|小计|共计|总数|合計|總計|小計|共計|total|subtotal|grand\s*total|sum)([:：\s\d].*)?", re.I
)


def _maybe_totals(values: list[str]) -> list[str]:
    """The values that could read as a total: every value but ASCII ones that do not start like one.

    ASCII is its own NFKC form (and cells are stripped already), so an ASCII total starts with its
    word; this keeps the exact check off 200,000 case ids.
    """
    try:
        text = pa.array(values, type=pa.string())
    except UnicodeEncodeError:  # a lone surrogate (a JSON escape) is not UTF-8: check them all
        return values
    ascii_start = pc.match_substring_regex(text, "(?i)^(total|subtotal|grand|sum)")
    maybe = pc.or_(pc.invert(pc.string_is_ascii(text)), ascii_start)
    return [v for v in text.filter(maybe).to_pylist() if v]


def _drop_total_rows(frame: pd.DataFrame, problems: Problems) -> pd.DataFrame:
    """The frame without the rows that a spreadsheet's totals take (合计, 小计, Total), each with a warning."""
    distinct = {str(v) for column in frame.columns for v in frame[column].unique().tolist()}
    totals = {v for v in _maybe_totals(list(distinct)) if _TOTAL.fullmatch(unicodedata.normalize("NFKC", v).strip())}
    if not totals:
        return frame.copy()
    is_total = frame.isin(list(totals)).any(axis=1).to_numpy()
    for i in np.flatnonzero(is_total):
        value = next(str(v) for v in frame.iloc[i] if v in totals)
        problems.add(
            int(i),
            "row",
            value,
            t("looks like a total row: left out"),
            t("one case per row"),
            t("delete the row"),
            warning=True,
        )
    problems.rows = [r for r, total in zip(problems.rows, is_total) if not total]
    return frame.loc[~is_total].reset_index(drop=True)


def _report_folding(
    frame: pd.DataFrame,
    headers: pd.Index,
    places: PlaceParser,
    vocabulary: Vocabulary,
    problems: Problems,
    practice_separator: str | None,
) -> None:
    """One warning per column whose names matched only in simplified characters (廣東省 read as 广东省)."""
    found = {"header": [h for h in headers if has_traditional(h) and h not in COLUMN_ALIASES and h in _mapped(headers)]}
    for col in [c for c in frame.columns if c in places.columns]:
        found[col] = [v for v in frame[col].unique() if v and places.resolver.needs_folding(v)]
    names = dict.fromkeys(
        name for cell in frame["practices"].unique() for name in vocabulary.split(cell, practice_separator)
    )
    found["practices"] = [name for name in names if vocabulary.needs_folding(name)]
    for column, values in found.items():
        if values:
            shown = "; ".join(f"{v} → {fold_traditional(v)}" for v in values[:3])
            problems.at_line(
                1,
                column,
                t("{shown} (+{more} more)", shown=shown, more=len(values) - 3) if len(values) > 3 else shown,
                t("traditional characters read as simplified"),
                t("names in simplified or traditional characters"),
                t("nothing to do: the names were matched in simplified form (the file is not changed)"),
                warning=True,
            )


def _mapped(headers: pd.Index) -> set[str]:
    return set(canonical_columns(list(headers))[0])


def _stem(path: str) -> str:
    return Path(path).stem


def _rename(frame: pd.DataFrame, geo: Geography, problems: Problems) -> pd.DataFrame:
    mapping, clashes = canonical_columns(list(frame.columns), geo.levels + geo.sub_levels)
    for canon, headers in clashes.items():
        problems.add(
            None,
            ", ".join(headers),
            "",
            t("several columns mean '{field}'", field=canon),
            t("one column per field"),
            t("keep one of {headers} and rename or delete the others", headers=headers),
        )
    renamed = frame.rename(columns=mapping)
    present = set(mapping.values())
    found = list(frame.columns)
    for col in REQUIRED:
        if col not in present:
            problems.add(
                None,
                col,
                "",
                t("missing required column"),
                t(
                    "a column named one of {names}; columns in the file: {found}",
                    names=COLUMN_ALIASES[col],
                    found=found,
                ),
                t(
                    "add a '{field}' column or rename the column that holds it; "
                    "a wide table (a column per practice) is read with `layout` 'wide'",
                    field=col,
                )
                if col == "practices"
                else t("add a '{field}' column or rename the column that holds it", field=col),
            )
    places = {"unit", "unit_code", *geo.levels, *(lvl + "_code" for lvl in geo.levels), *geo.sub_levels}
    if not places & present:
        problems.add(
            None,
            "place",
            "",
            t("missing place column"),
            t(
                "at least one of unit, unit_code, {levels} (or their codes); columns in the file: {found}",
                levels=", ".join(geo.levels),
                found=found,
            ),
            t("add the place of each case, e.g. a column 省份 and a column 区县"),
        )
    if not set(TIME_COLUMNS) & present:
        problems.add(
            None,
            "batch/year/date",
            "",
            t("missing time column"),
            t("at least one of batch (批次), year (年份), date (日期); columns in the file: {found}", found=found),
            t("add the batch or year of each case (cells may be empty where unknown)"),
        )
    for col in (*REQUIRED, "title", "title_en", "sources", "notes", "confidence", *TIME_COLUMNS):
        if col not in renamed.columns:
            renamed[col] = ""
    return renamed


def _parse_practices(
    cell: str, vocabulary: Vocabulary, problems: Problems, practice_separator: str | None, closest: Closest
) -> str:
    """The tags of a practices cell, or its problems (on the first row of ``problems``)."""
    i = 0
    names = vocabulary.split(cell, practice_separator)
    if not names:
        problems.add(
            i,
            "practices",
            "",
            t("no practice given"),
            t("one or more practices separated by ; or 、"),
            t("fill in the practices of the case"),
        )
        return ""
    tags = []
    for name in names:
        tag = vocabulary.lookup(name)
        joined = vocabulary.joined(name) if tag is None else []
        if joined:
            problems.add(
                i,
                "practices",
                name,
                t("practices joined by an unknown separator: {names}", names=", ".join(joined)),
                t("practices separated by ; 、 ， , / | or a line break"),
                t("separate them: {names}", names="; ".join(joined)),
            )
        elif tag is None:
            problems.add(
                i,
                "practices",
                name,
                t("unknown practice"),
                t("a practice of the vocabulary; closest: {names}", names=closest(vocabulary.closest, name)),
                t("use a known tag or label, or extend the vocabulary (`extend_vocabulary`, or your own `vocabulary`)"),
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
            t("unknown confidence level"),
            t("high, medium or low (高/中/低)"),
            t("write one of the three levels, or leave it empty"),
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
                why = t("differs in {fields}", fields=", ".join(fields)) if fields else t("same unit again")
                problems.at_line(
                    dup["row"],
                    "case_id",
                    cid,
                    t("duplicate case id (first on row {row}; {why})", row=first["row"], why=why),
                    t(
                        "a unique id per case; rows of one multi-unit case agree on "
                        "series, batch, year, title, practices"
                    ),
                    t("give this case its own id"),
                )
