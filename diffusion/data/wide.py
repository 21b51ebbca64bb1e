"""Wide case tables: one row per unit and a column per practice (or a row per practice and a column per unit).

State-policy datasets and provincial pilot tables are often wide: each cell holds the year, date
or batch in which the row's unit adopted the column's practice, and is empty where it did not.
:func:`to_long` turns such a table into the long form the reader validates (one row per unit and
practice), keeping each cell's spreadsheet line, and says so in a warning.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Literal

import pandas as pd

from diffusion.data.io import Table
from diffusion.data.problems import Problems
from diffusion.data.schema import canonical_columns, parse_batch, parse_date, parse_year
from diffusion.data.vocabulary import Vocabulary
from diffusion.i18n import t

__all__ = ["Layout", "to_long"]

Layout = Literal["auto", "long", "wide"]
_PLACE_FIELDS = {"unit", "unit_code"}


def to_long(table: Table, levels: tuple[str, ...], vocabulary: Vocabulary, layout: str, problems: Problems) -> Table:
    """The table in long form: as it is when it is long, melted when it is wide.

    ``layout="auto"`` melts a table that has no practices column, names its places in known
    columns, and has columns named after known practices; ``"wide"`` melts it whatever its
    column names (a table whose first column holds practices is read with units as columns).

    Examples
    --------
    >>> from diffusion.data.dataset import default_vocabulary
    >>> frame = pd.DataFrame({"省份": ["湖南省"], "积分制": ["2019"], "清单制": [""]})
    >>> t = Table(frame, "w.csv", "csv", None, ",", "", [2])
    >>> to_long(t, ("province",), default_vocabulary(), "auto", Problems("w.csv", [2])).frame.to_dict("records")
    [{'case_id': '2:积分制', '省份': '湖南省', 'practices': '积分制', 'year': '2019', 'date': '', 'batch': ''}]
    """
    mapping, _ = canonical_columns(list(table.frame.columns), levels)
    fields = set(mapping.values())
    if layout == "long" or (layout == "auto" and "practices" in fields):
        return table
    places = [
        c for c in table.frame.columns if mapping.get(c) in _PLACE_FIELDS | set(levels) | {f + "_code" for f in levels}
    ]
    known = [c for c in table.frame.columns if c not in mapping and vocabulary.lookup(c) is not None]
    if layout == "auto" and not (places and known):
        return table
    if places:  # a row per unit, a column per practice
        keys, values = places, [c for c in table.frame.columns if c not in mapping]
    else:  # a row per practice (first column), a column per unit
        keys, values = [table.frame.columns[0]], list(table.frame.columns[1:])
    frame = table.frame.assign(_line=table.rows)
    long = frame.melt(id_vars=[*keys, "_line"], value_vars=values, var_name="_column", value_name="_cell")
    long = long[long["_cell"] != ""].sort_values(["_line", "_column"], kind="stable")
    if places:
        out = long[keys].assign(practices=long["_column"])
    else:
        out = pd.DataFrame({"practices": long[keys[0]], "unit": long["_column"]})
    out.insert(0, "case_id", long["_line"].astype(str) + ":" + long["_column"])
    times = [_time_cell(c) for c in long["_cell"]]
    out = out.assign(**{f: [cell[f] for cell in times] for f in ("year", "date", "batch")})
    problems.at_line(
        1,
        "layout",
        t("{rows} rows x {columns} practice columns", rows=len(table.frame), columns=len(values))
        if places
        else t("{rows} rows x {columns} unit columns", rows=len(table.frame), columns=len(values)),
        t("wide table read as {n} adoptions (one per filled cell; empty cells: not adopted)", n=len(out)),
        t("a row per case, or a wide table of years, dates or batches"),
        t("nothing to do; give `layout` 'long' if the columns are not practices")
        if places
        else t("nothing to do; give `layout` 'long' if the columns are not units"),
        warning=True,
    )
    return replace(table, frame=out.reset_index(drop=True), rows=long["_line"].tolist())


def _time_cell(cell: str) -> dict[str, str]:
    """Which time column a wide table's cell fills: a year (1691), a date (2019-05) or a batch (第一批, 3)."""
    text = str(cell).strip()
    if re.fullmatch(r"\d{1,3}(\.0+)?", text):
        return {"year": "", "date": "", "batch": text}  # small numbers are batches: 3
    if parse_year(text) is not None:
        return {"year": text, "date": "", "batch": ""}
    if parse_date(text) is not None:  # 2019-05, a date cell, an Excel serial
        return {"year": "", "date": text, "batch": ""}
    if parse_batch(text) is not None:  # 第一批
        return {"year": "", "date": "", "batch": text}
    return {"year": text, "date": "", "batch": ""}  # unreadable: reported as a year, with its line
