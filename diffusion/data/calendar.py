"""Periods as time: each period of a dataset with its start date and its length.

The dates of a dataset (``2019-05``, ``2020-07``, ...: batches, years or days) become numbered
periods in one of three time units:

- ``batch``: one period per distinct date, in order (the published lists' own rhythm);
- ``year``: one period per calendar year from the first to the last, empty years included;
- ``month``: one period per calendar month (every date must give its month).

Every period has a ``start`` (ISO date), an ``end`` (the next period's start) and a ``length`` in
years, so that rates and models can use real time where the steps are unequal. The last batch
period lasts as long as its date's precision (a year for "2019", a month for "2019-05"). A
dataset without any calendar date (batches only) has no start dates and no lengths.
"""

from __future__ import annotations

import datetime
from typing import Literal, get_args

import numpy as np
import pandas as pd

from diffusion.checks import check_choice
from diffusion.errors import ParameterError
from diffusion.i18n import t

__all__ = ["TIME_UNITS", "TimeUnit", "build_calendar", "describe_calendar", "period_of"]

TimeUnit = Literal["batch", "year", "month"]
TIME_UNITS: tuple[str, ...] = get_args(TimeUnit)
CALENDAR_COLUMNS = ["period", "date", "start", "end", "length"]


def build_calendar(dates: list[str], time: TimeUnit = "batch") -> tuple[pd.DataFrame, dict[str, int]]:
    """The periods of a dataset and the period of each of its dates.

    Parameters
    ----------
    dates : list of str
        Distinct dates (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``; or ``batch NNN`` when there is no
        calendar at all).
    time : {"batch", "year", "month"}
        The time unit (see the module notes).

    Returns
    -------
    (DataFrame, dict)
        ``period`` (1, 2, ...), ``date`` (the period's own date: the batch date, ``YYYY`` or
        ``YYYY-MM``), ``start``, ``end`` (ISO dates, "" without a calendar) and ``length`` (years);
        and the period of each date.

    Examples
    --------
    >>> periods, of = build_calendar(["2019-05", "2020-07", "2020-12"])
    >>> periods["length"].round(3).tolist(), of["2020-07"]
    ([1.169, 0.419, 0.085], 2)
    >>> periods, of = build_calendar(["2019-05", "2020-07", "2020-12", "2022"], "year")
    >>> periods["date"].tolist(), [of[d] for d in ["2019-05", "2020-07", "2020-12", "2022"]]
    (['2019', '2020', '2021', '2022'], [1, 2, 2, 4])
    """
    check_choice("time", time, TIME_UNITS)
    dates = sorted(set(dates) - {""})
    if not dates:
        return pd.DataFrame(columns=CALENDAR_COLUMNS), {}
    if not all(d[:4].isdigit() for d in dates):  # batches without any date: ordered, not timed
        if time != "batch":
            raise ParameterError("time", f"the `time` unit {time!r} needs dates; this dataset has batches only.")
        frame = pd.DataFrame({"period": range(1, len(dates) + 1), "date": dates, "start": "", "end": ""})
        return frame.assign(length=np.nan), {d: k + 1 for k, d in enumerate(dates)}
    if time == "batch":
        starts = [_start(d) for d in dates]
        ends = [*starts[1:], _after(dates[-1])]
        own = dates
        of = {d: k + 1 for k, d in enumerate(dates)}
    else:
        own = _steps(dates, time)
        starts = [_start(d) for d in own]
        ends = [*starts[1:], _after(own[-1])]
        index = {d: k + 1 for k, d in enumerate(own)}
        of = {d: index[d[: 4 if time == "year" else 7]] for d in dates}
    length = [(_day(e) - _day(s)).days / 365.25 for s, e in zip(starts, ends)]
    frame = pd.DataFrame({"period": range(1, len(own) + 1), "date": own, "start": starts, "end": ends})
    return frame.assign(length=length), of


def period_of(calendar: pd.DataFrame, date: str) -> int | None:
    """The period of a date in a calendar made by :func:`build_calendar` (None: outside it).

    Examples
    --------
    >>> periods, _ = build_calendar(["2019-05", "2021-03"], "year")
    >>> period_of(periods.assign(time="year"), "2020-11")
    2
    """
    time = calendar["time"].iloc[0] if "time" in calendar.columns and len(calendar) else "batch"
    key = date if time == "batch" else date[: 4 if time == "year" else 7]
    hit = calendar.loc[calendar["date"] == key, "period"]
    return int(hit.iloc[0]) if len(hit) else None


def describe_calendar(calendar: pd.DataFrame) -> str:
    """One line for reports: the time unit, the span and the spacing of the periods.

    Examples
    --------
    >>> periods, _ = build_calendar(["2019-05", "2020-07", "2020-12"])
    >>> describe_calendar(periods.assign(time="batch"))
    'Time: 3 periods, one per distinct date (batch), from 2019-05 to 2020-12, 0.42 to 1.17 years apart.'
    """
    n = len(calendar)
    if not n:
        return t("Time: no dated adoption.")
    time = calendar["time"].iloc[0] if "time" in calendar.columns else "batch"
    first, last = calendar["date"].iloc[0], calendar["date"].iloc[-1]
    if calendar["length"].isna().all():
        return t("Time: {n} batches without dates, in order (not timed).", n=n)
    if time == "batch":
        gaps = calendar["length"].iloc[:-1] if n > 1 else calendar["length"]  # the last one is its date's span
        low, high = gaps.min(), gaps.max()
        return t(
            "Time: {n} periods, one per distinct date (batch), from {first} to {last}, {low} to {high} years apart.",
            n=n,
            first=first,
            last=last,
            low=f"{low:.2f}",
            high=f"{high:.2f}",
        )
    unit = t("calendar years") if time == "year" else t("calendar months")
    return t("Time: {n} {unit}, from {first} to {last}.", n=n, unit=unit, first=first, last=last)


def _steps(dates: list[str], time: str) -> list[str]:
    """Every year (or month) from the first date to the last."""
    if time == "month":
        coarse = [d for d in dates if len(d) < 7]
        if coarse:
            raise ParameterError(
                "time",
                f"the `time` unit 'month' needs a month in every date; {len(coarse)} give a year only "
                f"(e.g. {coarse[0]}). Use `time` 'year' or 'batch', or give the months.",
            )
        first, last = (int(dates[0][:4]), int(dates[0][5:7])), (int(dates[-1][:4]), int(dates[-1][5:7]))
        months = range(first[0] * 12 + first[1] - 1, last[0] * 12 + last[1])
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]
    return [f"{y:04d}" for y in range(int(dates[0][:4]), int(dates[-1][:4]) + 1)]


def _start(date: str) -> str:
    return (date + "-01-01")[:10] if len(date) == 4 else (date + "-01")[:10]


def _after(date: str) -> str:
    """The first day after the span a date covers at its precision."""
    day = _day(_start(date))
    if day.year == 9999 and (len(date) == 4 or day.month == 12):
        return "9999-12-31"  # the calendar's last day: the span is cut by one day
    if len(date) == 4:
        return f"{day.year + 1:04d}-01-01"
    if len(date) == 7:
        return f"{day.year + day.month // 12:04d}-{day.month % 12 + 1:02d}-01"
    return (day + datetime.timedelta(days=1)).isoformat()


def _day(iso: str) -> datetime.date:
    return datetime.date(int(iso[:4]), int(iso[5:7]), int(iso[8:10]))
