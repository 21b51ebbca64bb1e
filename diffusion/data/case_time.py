"""The time of each case: its batch, year and date cells read and checked, then dated from known batches.

A batch cell may carry its year ("2022年第四批"); a row with a batch but no year or date takes the
date of its batch (from the batches table, or from other rows of the same batch); any year from
1 to 9999 is a time, written with four digits so that dates sort as text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffusion.data.problems import Problems
from diffusion.data.schema import parse_batch_year, parse_date, parse_year
from diffusion.i18n import t

__all__ = ["fill_time", "parse_time"]


_TIME_CELLS = {  # column: (what is unreadable, what is expected, how to fix)
    "batch": (
        t("unreadable batch"),
        t("a batch such as 1, 第一批, 第1批 or 2022年第四批"),
        t("write the batch as a number, or leave it empty if unknown"),
    ),
    "year": (
        t("unreadable year"),
        t("a year from 1 to 9999, such as 2019 or 1846"),
        t("write the year as a number, or leave it empty if unknown"),
    ),
    "date": (
        t("unreadable date"),
        t("a date such as 2019-05, 2019-05-12 or 2019年5月"),
        t("write the date as YYYY-MM or YYYY-MM-DD, or leave it empty if unknown"),
    ),
}


def parse_time(i: int, row: dict, problems: Problems) -> dict:
    batch, batch_year = parse_batch_year(row["batch"]) if row["batch"] else (None, None)
    date = parse_date(row["date"]) if row["date"] else None
    values: dict[str, object] = {"batch": batch, "year": parse_year(row["year"]) if row["year"] else None, "date": date}
    for column, (what, expected, fix) in _TIME_CELLS.items():
        if row[column] and values[column] is None:
            problems.add(i, column, row[column], what, expected, fix)
    out: dict = {"batch": np.nan if batch is None else batch, "year": np.nan, "date": date or ""}
    if values["year"] is not None:
        out["year"] = values["year"]
    if batch_year is not None:  # a year written in the batch cell: 2022年第四批
        if np.isnan(out["year"]):
            out["year"] = batch_year
        elif out["year"] != batch_year:
            problems.add(
                i,
                "year",
                row["year"],
                t("year differs from the one in the batch cell ({batch})", batch=row["batch"]),
                t("the same year in both columns"),
                t("correct the year or the batch"),
            )
    if out["date"]:
        if not np.isnan(out["year"]) and int(out["date"][:4]) != out["year"]:
            problems.add(
                i,
                "date",
                row["date"],
                t("date is not in the year given ({year})", year=int(out["year"])),
                t("the same year in both columns"),
                t("correct the year or the date"),
            )
            out["date"] = ""
        else:
            out["year"] = int(out["date"][:4])
    return out


def fill_time(cases: pd.DataFrame, batches: pd.DataFrame | None, problems: Problems) -> pd.DataFrame:
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
                    t(
                        "batch {batch} of series '{series}' has several years {years}",
                        batch=int(b),
                        series=s,
                        years=years,
                    ),
                    t("one year per batch"),
                    t("correct the batch or the year"),
                )
    dated = cases[has_batch & (cases["date"] != "")]
    for (s, b), d in dated.groupby(["series", "batch"])["date"].min().items():
        known.setdefault((s, int(b)), d)
    for (s, b), y in yearly.groupby(["series", "batch"])["year"].first().items():
        known.setdefault((s, int(b)), f"{int(y):04d}")
    keys = ["series", "batch", "date", "year"]
    distinct = cases[keys].drop_duplicates()  # a few batches and years behind many rows
    dates, years = [], []
    for series, batch, date, year in distinct.itertuples(index=False):
        if not date and pd.notna(batch):
            d = known.get((series, int(batch)), "")
            # A batch date in another year than the row's own year gives way to the row's year.
            date = d if d and (pd.isna(year) or int(d[:4]) == int(year)) else ""
        if not date and pd.notna(year):
            date = f"{int(year):04d}"  # four digits: dates sort as text, from year 1 to 9999
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
                t(
                    "batch {batch} of series '{series}' has no year, while other rows are dated",
                    batch=int(batch),
                    series=series,
                ),
                t("a year or date for every batch, so that series can be ordered in time"),
                t("fill in the year of this batch"),
            )
    else:
        # No calendar at all: batches order time by themselves.
        cases["date"] = cases["batch"].map(lambda b: "" if pd.isna(b) else f"batch {int(b):03d}")
    cases["batch"] = cases["batch"].astype("Int64")
    cases["year"] = pd.to_numeric(cases["year"]).astype("Int64")
    return cases
