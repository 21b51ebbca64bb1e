"""The periods of a dataset in its time unit, with readable labels, start dates and lengths."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from diffusion.data.calendar import build_calendar, period_of
from diffusion.data.dataset import Dataset
from diffusion.data.shared_tables import shared

__all__ = ["calendar_of", "period_edges", "period_groups", "period_labels", "period_times", "period_years"]

#: Spans of years that periods are gathered into when there are too many to draw one by one.
_YEAR_SPANS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)


def period_labels(ds: Dataset) -> pd.DataFrame:
    """One row per period: its date, the series batches published in it, its start and length (years).

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> period_labels(load_dataset("broadband-china"))["label"].tolist()[:2]
    ['2012 (IDC #1)', '2013 (IDC #2)']
    """
    return shared(ds, "period_labels", lambda: _period_labels(ds))  # a report asks 11 times


def _period_labels(ds: Dataset) -> pd.DataFrame:
    b = ds.batches.copy()
    b["batch"] = b["batch"].astype(int)
    short = {s: _short(s) for s in ds.series["id"]}
    calendar = calendar_of(ds)
    b["period"] = [period_of(calendar, d) if d else None for d in b["date"]]
    tags: dict[int, list[str]] = {}  # the batches of each period, by series and number (in any language)
    for series, batch, period in sorted(zip(b["series"], b["batch"], b["period"]), key=lambda r: r[:2]):
        if pd.notna(period):
            tags.setdefault(int(period), []).append(f"{short.get(series, series)} #{batch}")
    labels = [f"{d} ({', '.join(tags[p])})" if p in tags else d for p, d in zip(calendar["period"], calendar["date"])]
    out = pd.DataFrame({"period": calendar["period"].to_numpy(), "date": calendar["date"].to_numpy(), "label": labels})
    return out.assign(start=calendar["start"].to_numpy(), length=calendar["length"].to_numpy())


def period_groups(ds: Dataset, most: int = 12) -> pd.DataFrame:
    """Periods gathered into at most ``most`` runs, for pictures of many periods (one panel each).

    Few periods stay one group each, with their labels. Dated periods are gathered by calendar
    spans of whole years, the shortest of 1, 2, 5, 10 (decades), 20, 25, 50, 100, ... years that
    gives at most ``most`` groups, labelled "1950–1959"; undated ones in equal runs.

    Returns
    -------
    pandas.DataFrame
        ``period, group`` (1, 2, ... in time order) and ``label`` (the group's).

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> period_groups(load_dataset("broadband-china"), most=2)["label"].tolist()
    ['2010–2014', '2010–2014', '2010–2014', '2015–2019', '2015–2019']
    """
    labels = period_labels(ds).sort_values("period")
    if len(labels) <= most:
        return pd.DataFrame({"period": labels["period"], "group": range(1, len(labels) + 1), "label": labels["label"]})
    if (labels["start"] != "").all():
        years = labels["start"].map(lambda d: int(d.rsplit("-", 2)[0])).to_numpy()
        span = next((s for s in _YEAR_SPANS if len(set(years // s)) <= most), _YEAR_SPANS[-1])
        first = years // span * span
        names = [str(y) if span == 1 else f"{y}–{y + span - 1}" for y in first]
    else:
        run = -(-len(labels) // most)
        first = (labels["period"].to_numpy() - 1) // run
        bounds = labels.groupby(first)["label"].agg(["first", "last"])
        names = [f"{bounds.at[k, 'first']} – {bounds.at[k, 'last']}" for k in first]
    group = pd.Series(first).rank(method="dense").astype(int).to_numpy()
    return pd.DataFrame({"period": labels["period"].to_numpy(), "group": group, "label": names})


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


def period_years(ds: Dataset) -> pd.Series:
    """Where each period starts on a true time axis: a decimal year (1 May 2019 is 2019.33).

    Any year works, before 1677 too (where pandas' datetimes end). Undated periods give their
    numbers instead, and the Series is named "period" rather than "year".

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> years = period_years(load_dataset("leading-cases"))
    >>> years.name, years.round(2).tolist()
    ('year', [2019.33, 2020.5, 2020.92, 2021.75, 2022.83])
    """
    calendar = calendar_of(ds).sort_values("period")
    if (calendar["start"] == "").any():
        return pd.Series(calendar["period"].astype(float).to_numpy(), index=calendar["period"], name="period")
    years = []
    for start in calendar["start"]:
        day = datetime.date.fromisoformat(start)
        first, after = datetime.date(day.year, 1, 1), datetime.date(day.year + 1, 1, 1) if day.year < 9999 else None
        length = (after - first).days if after else 365
        years.append(day.year + (day - first).days / length)
    return pd.Series(years, index=calendar["period"].to_numpy(), name="year")


def period_edges(ds: Dataset) -> np.ndarray:
    """The periods' boundaries on the axis of :func:`period_years`: each start, then the last one's end.

    The last period of a batch calendar has no true end (the next batch is not published yet), so it
    is drawn as long as the median period.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> period_edges(load_dataset("broadband-china")).round(2).tolist()
    [2012.0, 2013.0, 2014.0, 2015.0, 2016.0, 2017.0]
    """
    starts = period_years(ds)
    if starts.name == "period":
        return np.append(starts.to_numpy(), starts.iloc[-1] + 1.0) if len(starts) else np.zeros(1)
    calendar = calendar_of(ds).sort_values("period")
    lengths = calendar["length"].astype(float)
    last = float(lengths.median() if (calendar["time"] == "batch").all() else lengths.iloc[-1])
    return np.append(starts.to_numpy(), starts.iloc[-1] + last)


def _short(series_id: str) -> str:
    parts = [p for p in series_id.replace("_", "-").split("-") if p and not p.isdigit()]
    return "".join(p[0] for p in parts).upper() or series_id
