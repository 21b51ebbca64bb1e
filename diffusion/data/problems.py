"""Collecting every problem of an input file, with its row, column, value, what was expected and the fix."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from diffusion.errors import problem
from diffusion.i18n import Text, t

__all__ = ["Closest", "Problems", "per_distinct"]

SUGGESTED = 500  # unknown names of one file that get a closest-name search (each takes milliseconds)


class Closest:
    """The closest known names for a message, searched for the first :data:`SUGGESTED` unknown names only.

    A file whose 100,000 names are all unknown has one systematic fault (another geography, another
    column), and searching for each took tens of minutes; past the budget the message says so instead.

    Examples
    --------
    >>> closest, known = Closest(limit=1), {"积分": ["积分制 (points_system)"]}
    >>> str(closest(known.get, "积分")), str(closest(known.get, "清单"))
    ('积分制 (points_system)', 'not searched (more than 1 unknown names)')
    """

    def __init__(self, limit: int = SUGGESTED) -> None:
        self.limit = self.left = limit

    def __call__(self, search: Callable[[Any], Sequence[str] | None], name: Any) -> str | Text:
        """``search(name)`` joined for a message, while the budget lasts."""
        if self.left <= 0:
            return t("not searched (more than {n:,} unknown names)", n=self.limit)
        self.left -= 1
        return "; ".join(search(name) or ()) or t("no close name")


@dataclass
class Problems:
    path: str
    rows: list[int]
    failures: list[dict] = field(default_factory=list)
    warnings: list[dict] = field(default_factory=list)

    def add(
        self, i: int | None, column: str, value: object, problem: str, expected: str, fix: str, *, warning: bool = False
    ) -> None:
        """Record a problem of the ``i``-th data row (``None``: the header)."""
        self.at_line(self.rows[i] if i is not None else 1, column, value, problem, expected, fix, warning=warning)

    def copy_from(self, other: Problems, i: int) -> None:
        """Report what ``other`` found (in one distinct value) on the ``i``-th data row."""
        self.failures += [{**f, "row": self.rows[i]} for f in other.failures]
        self.warnings += [{**w, "row": self.rows[i]} for w in other.warnings]

    def sort_by_row(self) -> None:
        """Row order, keeping the order of problems within a row (fields are checked one after another)."""
        self.failures.sort(key=lambda f: f["row"])
        self.warnings.sort(key=lambda w: w["row"])

    def at_line(
        self, row: int, column: str, value: object, what: str, expected: str, fix: str, *, warning: bool = False
    ) -> None:
        """Record a problem at a spreadsheet line number."""
        (self.warnings if warning else self.failures).append(
            problem(self.path, row, column, value, what, expected, fix)
        )


def per_distinct(
    frame: pd.DataFrame, columns: list[str], parse, problems: Problems, *, progress: bool = False
) -> pd.DataFrame:
    """``parse(row, problems)`` once per distinct combination of ``columns``, broadcast to every row.

    Problems found in a combination are reported on every row that has it.
    """
    codes = frame.groupby(columns, sort=False).ngroup().to_numpy()
    distinct = frame[columns].iloc[np.unique(codes, return_index=True)[1]]
    records, found = [], {}
    rows = tqdm(distinct.to_dict("records"), disable=not progress, desc="validating places", unit="place")
    for k, row in enumerate(rows):
        own = Problems(problems.path, [0])
        records.append(parse(row, own))
        if own.failures or own.warnings:
            found[k] = own
    if found:
        for i in np.flatnonzero(np.isin(codes, list(found))):
            problems.copy_from(found[codes[i]], int(i))
    return pd.DataFrame.from_records(records).take(codes).reset_index(drop=True).set_axis(frame.index)
