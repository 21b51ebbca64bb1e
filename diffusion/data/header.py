"""Finding the header of a messy case table: a title above it, two-row grouped headers, blank columns.

Spreadsheets exported from office software often carry a title row ("全国乡村治理典型案例名单")
or a merged group heading ("地点" over 省份, 地市, 区县) above the real column names. The header
is the line (or pair of lines) among the first ones that names the most known columns; the
choice is reported as a warning that names the line, so it is never silent. ``header_row``
forces a line.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from diffusion.data.io import Table
from diffusion.data.problems import Problems
from diffusion.data.schema import canonical_columns
from diffusion.errors import InputFileError
from diffusion.i18n import t

__all__ = ["fix_header", "header_score"]

_SEARCH = 10  # lines below the first searched for a better header


def header_score(cells: list[str], levels: tuple[str, ...]) -> int:
    """How many distinct known columns the cells name.

    Examples
    --------
    >>> header_score(["编号", "省份", "做法", "备注"], ("province",)), header_score(["全国典型案例名单", ""], ())
    (4, 0)
    """
    mapping, _ = canonical_columns([c for c in cells if c], levels)
    return len(set(mapping.values()))


def fix_header(table: Table, levels: tuple[str, ...], problems: Problems, header_row: int | None = None) -> Table:
    """The table with its real header: found among the first lines, or the line ``header_row``.

    Lines above the header are dropped; a grouped header of two lines is read as one (the lower
    line's name, or the upper's where the lower is blank). Columns with no name are dropped,
    each with a warning. Line numbers of the remaining rows are kept.
    """
    # Only the first lines can be the header: the body is not copied into lists.
    lines = [list(table.frame.columns), *table.frame.iloc[:_SEARCH].to_numpy(dtype=object).tolist()]
    numbers = [1, *table.rows]
    if header_row is not None:
        if header_row not in numbers[: _SEARCH + 1]:
            raise InputFileError(
                f"{table.path}: the header line {header_row} is not among the first {_SEARCH + 1} non-blank lines."
            )
        start, span = numbers.index(header_row), 1
        names = _named(["" if _blank(c) else str(c) for c in lines[start]])
    else:
        start, span, names = _best(lines, levels)
    dups = sorted(n for n, k in Counter(names).items() if k > 1)
    if dups:
        raise InputFileError(
            f"{table.path}: the header line {numbers[start]} repeats the column name(s) {dups}. "
            "Give every column a distinct name."
        )
    if (start, span) != (0, 1):
        above = " | ".join(str(c) for c in lines[0] if c and not str(c).startswith("unnamed_"))[:80]
        if span == 2:
            taken = t("lines {first} and {second} taken as the header", first=numbers[start], second=numbers[start + 1])
        else:
            taken = t("line {line} taken as the header", line=numbers[start])
        note = t("{taken}; the first line reads '{above}'", taken=taken, above=above) if start else taken
        problems.at_line(
            numbers[start],
            "header",
            " | ".join(n for n in names if not n.startswith("unnamed_")),
            note,
            t("the column names on the first line"),
            t("delete the title lines above the header, or give the header line (`header_row`)"),
            warning=True,
        )
    body = table.frame.iloc[start + span - 1 :].set_axis(names, axis=1)
    rows = numbers[start + span :]
    keep = [not c.startswith("unnamed_") for c in body.columns]
    for col, filled in zip(body.columns, (body != "").any(axis=0)):
        if col.startswith("unnamed_"):
            number = col.removeprefix("unnamed_")
            if filled:
                what = t("column {number} has cells but no column name: its cells are ignored", number=number)
            else:
                what = t("column {number} is empty: ignored", number=number)
            problems.at_line(
                numbers[start],
                col,
                "",
                what,
                t("a name on the header line for every column used"),
                t("name the column, or delete it"),
                warning=True,
            )
    body = body.loc[:, keep]
    nonblank = (body != "").any(axis=1).to_numpy()
    body = body.loc[nonblank].reset_index(drop=True)
    return replace(table, frame=body, rows=[r for r, k in zip(rows, nonblank) if k])


def _blank(cell: object) -> bool:
    return not cell or str(cell).startswith("unnamed_")


def _named(names: list[str]) -> list[str]:
    return [n if n else f"unnamed_{i + 1}" for i, n in enumerate(names)]


def _best(lines: list[list], levels: tuple[str, ...]) -> tuple[int, int, list[str]]:
    """(first line, 1 or 2 lines, names) of the best header among the first lines."""
    first = ["" if _blank(c) else str(c) for c in lines[0]]
    best = (header_score(first, levels), 0, 1, first)
    for k in range(min(_SEARCH, len(lines) - 1)):
        single = ["" if _blank(c) else str(c) for c in lines[k]]
        score = header_score(single, levels)
        if score > best[0]:
            best = (score, k, 1, single)
        if k + 1 < len(lines):  # a group heading over column names: 地点 over 省份, 区县
            lower = ["" if _blank(c) else str(c) for c in lines[k + 1]]
            merged = [lo or up for up, lo in zip(single, lower)]
            score = header_score(merged, levels)
            if score > best[0] and score > header_score(lower, levels):  # both lines name columns
                best = (score, k, 2, merged)
    _, start, span, names = best
    return start, span, _named(names)
