"""Reading a user's covariate file, long or wide, with every problem in one table.

Long: a row per unit, (year,) variable and value — ``unit, year, variable, value``. Wide: a row
per unit (and year), a column per variable — ``unit[, year], gdp, population, ...``. The unit is
named as in a case file (a name or code in ``unit``/``unit_code``, or level columns such as
省份 and 区县) and resolved by the same resolver. A missing ``year`` (or an empty year cell)
makes a value time-invariant.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from diffusion.data.covariates import Covariates
from diffusion.data.geography import Geography
from diffusion.data.io import read_table
from diffusion.data.place_cells import PlaceParser
from diffusion.data.places import resolver_for
from diffusion.data.problems import Problems, per_distinct
from diffusion.data.schema import canonical_columns, header_key, parse_year
from diffusion.errors import ValidationError, problem_table
from diffusion.i18n import t

__all__ = ["read_covariates"]

# Columns of a long file besides the place and the year (case, spaces and "_" ignored).
_LONG = {
    "variable": ("variable", "var", "indicator", "变量", "指标", "指标名称"),
    "value": ("value", "值", "数值", "取值"),
    "measure": ("measure", "unit_of_measure", "计量单位"),
    "source": ("source", "sources", "来源", "数据来源"),
}
_MISSING = {"", "na", "n/a", "nan", "null", "none", "-", "--", "—", "…", "...", "无", "缺失"}
_NUMBER = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?%?")


def read_covariates(
    path: str | Path,
    geography: Geography,
    *,
    sheet: str | int | None = None,
    delimiter: str | None = None,
) -> Covariates:
    """Read and validate a covariate file (CSV, TSV, XLSX, JSON, Stata, Parquet or R).

    Parameters
    ----------
    path : str or Path
        The file, long (``unit, year, variable, value``) or wide (``unit[, year], var1, var2...``).
    geography : Geography
        What the units are resolved against.
    sheet, delimiter
        See :func:`diffusion.data.io.read_table`.

    Returns
    -------
    Covariates
        With ``warnings``: empty cells per variable (kept as missing values, never dropped).

    Raises
    ------
    ValidationError
        Unknown or ambiguous units, unreadable years, text in a numeric variable, a value given
        twice for the same unit, year and variable: every one in one table.

    Examples
    --------
    >>> cov = read_covariates("gdp.csv", load_geography())  # doctest: +SKIP
    >>> cov.wide(year=2020)  # doctest: +SKIP
    """
    table = read_table(path, sheet=sheet, delimiter=delimiter)
    problems = Problems(table.path, table.rows)
    frame, variables = _columns(table.frame, geography, problems)
    if problems.failures:
        raise ValidationError(problems.failures, source=table.path)
    places = PlaceParser(geography, resolver_for(geography), allow_unresolved=False)
    where = per_distinct(frame, [c for c in frame.columns if c in places.columns], places.parse, problems)
    years = per_distinct(frame, ["year"], lambda row, pr: {"year": _year(row["year"], pr)}, problems)
    rows = pd.DataFrame(
        {
            "unit": where["geo_code"].to_numpy(),
            "level": where["unit_level"].to_numpy(),
            "year": years["year"].to_numpy(),
            "row": problems.rows,
        }
    )
    if variables is None:  # long: a variable and a value per row
        given = [c for c in ("variable", "value", "measure", "source") if c in frame.columns]
        cells = rows.assign(**{c: frame[c].to_numpy() for c in given})
    else:  # wide: a column per variable
        cells = pd.concat([rows.assign(variable=v, value=frame[v].to_numpy()) for v in variables], ignore_index=True)
    for col in ("measure", "source"):  # optional columns of a long file
        cells[col] = cells[col].astype(object).fillna("") if col in cells.columns else ""
    out = cells.assign(value=[_number(c) for c in cells["value"]])
    _check_types(out, cells["value"], problems)
    _check_duplicates(out, problems)
    problems.sort_by_row()
    if problems.failures:
        raise ValidationError(problems.failures, source=table.path)
    _report_missing(out, problems)
    return Covariates(out.drop(columns="row"), table.path, warnings=problem_table(problems.warnings))


def _columns(frame: pd.DataFrame, geo: Geography, problems: Problems) -> tuple[pd.DataFrame, list[str] | None]:
    """The file with canonical column names, and its variable columns (None: a long file)."""
    levels = geo.levels + geo.sub_levels
    mapping, _ = canonical_columns(list(frame.columns), levels)
    place_names = {"unit", "unit_code", *levels, *(lvl + "_code" for lvl in geo.levels)}
    rename = {h: c for h, c in mapping.items() if c in place_names or c == "year"}
    keys = {header_key(a): canon for canon, names in _LONG.items() for a in names}
    rename.update({h: keys[header_key(h)] for h in frame.columns if header_key(h) in keys and h not in rename})
    frame = frame.rename(columns=rename)
    if "year" not in frame.columns:
        frame = frame.assign(year="")
    places = [c for c in frame.columns if c in place_names]
    if not places:
        problems.add(
            None,
            "unit",
            "",
            t("missing place column"),
            t("a column unit (a name or code), unit_code, or level columns such as 省份 and 区县"),
            t("add the unit of each row"),
        )
    if {"variable", "value"} <= set(frame.columns):
        return frame, None
    variables = [c for c in frame.columns if c not in {*places, "year", "measure", "source", "variable", "value"}]
    if not variables:
        problems.add(
            None,
            "variable",
            "",
            t("no variable column"),
            t("long: columns variable and value; wide: a column per variable"),
            t("add the covariates as columns, or as variable and value columns"),
        )
    return frame, variables


def _year(cell: str, problems: Problems) -> object:
    if not cell:
        return pd.NA
    year = parse_year(cell)
    if year is None:
        problems.add(
            0,
            "year",
            cell,
            t("unreadable year"),
            t("a year from 1 to 9999, such as 2019 or 1846"),
            t("write the year as a number, or leave it empty for a time-invariant value"),
        )
        return pd.NA
    return year


def _number(cell: str) -> float:
    """A number from "41781.5", "1,234", "12%" (0.12) or full-width digits; NaN for anything else."""
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    if not _NUMBER.fullmatch(text) or not re.search(r"\d", text):
        return np.nan
    number = float(text.rstrip("%").replace(",", ""))
    return number / 100 if text.endswith("%") else number


def _is_missing(cell: str) -> bool:
    return unicodedata.normalize("NFKC", str(cell)).strip().lower() in _MISSING


def _check_types(out: pd.DataFrame, cells: pd.Series, problems: Problems) -> None:
    """Text where a number is needed: every variable is numeric (categories are coded by the user)."""
    text = out["value"].isna().to_numpy() & ~cells.map(_is_missing).to_numpy(dtype=bool)
    for i in np.flatnonzero(text):
        problems.at_line(
            int(out.at[i, "row"]),
            out.at[i, "variable"],
            cells.iloc[i],
            t("text in a numeric variable"),
            t("a number such as 41781.5, 1,234 or 12%; empty where unknown"),
            t("write the number, or code a category as numbers (0/1)"),
        )


def _check_duplicates(out: pd.DataFrame, problems: Problems) -> None:
    key = ["unit", "year", "variable"]
    known = out[out["unit"] != ""]
    dup = known[known.duplicated(key, keep=False)]
    for _, group in dup.groupby(key, dropna=False, sort=False):
        first = group["row"].iloc[0]
        for row, variable in zip(group["row"].iloc[1:], group["variable"].iloc[1:]):
            problems.at_line(
                row,
                variable,
                "",
                t("value given twice (first on row {row})", row=first),
                t("one value per unit, year and variable"),
                t("delete one of the rows, or correct the unit or the year"),
            )


def _report_missing(out: pd.DataFrame, problems: Problems) -> None:
    """One warning per variable with empty cells: kept as missing values, never dropped."""
    for variable, group in out.groupby("variable", sort=True):
        empty = group["value"].isna()
        if empty.any():
            problems.at_line(
                int(group.loc[empty, "row"].iloc[0]),
                variable,
                "",
                t("{n} of {total} cells empty: kept as missing values", n=int(empty.sum()), total=len(group)),
                t("a value in every cell, or empty where unknown"),
                t("nothing to do if the values are unknown"),
                warning=True,
            )
