"""The periods of a dataset in its time unit, with readable labels, start dates and lengths."""

from __future__ import annotations

import datetime

import pandas as pd

from diffusion.data.calendar import build_calendar, period_of
from diffusion.data.dataset import Dataset

__all__ = ["calendar_of", "period_labels", "period_times"]


def period_labels(ds: Dataset) -> pd.DataFrame:
    """One row per period: its date, the series batches published in it, its start and length (years).

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> period_labels(load_dataset("broadband-china"))["label"].tolist()[:2]
    ['2012 (IDC #1)', '2013 (IDC #2)']
    """
    b = ds.batches.copy()
    b["batch"] = b["batch"].astype(int)
    short = {s: _short(s) for s in ds.series["id"]}
    calendar = calendar_of(ds)
    b["period"] = [period_of(calendar, d) if d else None for d in b["date"]]
    rows = []
    for r in calendar.itertuples(index=False):
        here = b[b["period"] == r.period].sort_values(["series", "batch"])
        tags = ", ".join(f"{short.get(s, s)} #{n}" for s, n in zip(here["series"], here["batch"]))  # any language
        rows.append({"period": r.period, "date": r.date, "label": f"{r.date} ({tags})" if tags else r.date})
    out = pd.DataFrame(rows, columns=["period", "date", "label"])
    return out.assign(start=calendar["start"].to_numpy(), length=calendar["length"].to_numpy())


def calendar_of(ds: Dataset) -> pd.DataFrame:
    """The dataset's calendar (period, date, start, end, length, time); for a Dataset made by hand
    without one, its distinct dates as batch periods."""
    if ds.calendar is not None:
        return ds.calendar
    dates = set(ds.events.loc[ds.events["time_known"], "date"]) | set(ds.batches["date"])
    return build_calendar(sorted(dates - {""}))[0].assign(time="batch")


def period_times(ds: Dataset) -> pd.Series:
    """When each period starts, in years after the first period's start; period numbers without dates.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> period_times(load_dataset("leading-cases")).round(2).tolist()
    [0.0, 1.17, 1.59, 2.42, 3.5]
    """
    calendar = calendar_of(ds).sort_values("period")
    if (calendar["start"] == "").any():
        return pd.Series(calendar["period"].astype(float).to_numpy(), index=calendar["period"], name="time")
    days = pd.Series([datetime.date.fromisoformat(d).toordinal() for d in calendar["start"]], dtype=float)
    return pd.Series(((days - days.iloc[0]) / 365.25).to_numpy(), index=calendar["period"], name="time")


def _short(series_id: str) -> str:
    parts = [p for p in series_id.replace("_", "-").split("-") if p and not p.isdigit()]
    return "".join(p[0] for p in parts).upper() or series_id
