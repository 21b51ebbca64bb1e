"""The periods of a dataset: every date of its events and batches, in order, with readable labels."""

from __future__ import annotations

import pandas as pd

from diffusion.data.dataset import Dataset

__all__ = ["period_labels"]


def period_labels(ds: Dataset) -> pd.DataFrame:
    """One row per period: its date and the series batches published then.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> period_labels(load_dataset("broadband-china"))["label"].tolist()[:2]
    ['2012 (IDC b1)', '2013 (IDC b2)']
    """
    b = ds.batches.copy()
    b["batch"] = b["batch"].astype(int)
    short = {s: _short(s) for s in ds.series["id"]}
    dates = sorted(set(ds.events.loc[ds.events["time_known"], "date"]) | set(b["date"]) - {""})
    rows = []
    for k, d in enumerate(dates, start=1):
        here = b[b["date"] == d].sort_values(["series", "batch"])
        tags = ", ".join(f"{short.get(s, s)} b{n}" for s, n in zip(here["series"], here["batch"]))
        rows.append({"period": k, "date": d, "label": f"{d} ({tags})" if tags else d})
    return pd.DataFrame(rows, columns=["period", "date", "label"])


def _short(series_id: str) -> str:
    parts = [p for p in series_id.replace("_", "-").split("-") if p and not p.isdigit()]
    return "".join(p[0] for p in parts).upper() or series_id
