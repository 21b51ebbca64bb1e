"""Descriptive tables of a dataset: adoption counts by batch and practice, and by region."""

from __future__ import annotations

import pandas as pd

from diffusion.dataset import Dataset

__all__ = ["counts_by_period_practice", "counts_by_region", "period_labels"]


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


def counts_by_period_practice(ds: Dataset) -> pd.DataFrame:
    """Adopting units per practice (rows) and period (columns), plus units of unknown time.

    Returns a wide table indexed by practice tag with a ``label_en``/``label_zh`` pair, one
    column per period label, ``time unknown`` and ``total`` (distinct units).
    """
    ev = ds.events
    labels = period_labels(ds).set_index("date")["label"]
    known = ev[ev["time_known"]]
    wide = (
        known.assign(col=known["date"].map(labels))
        .pivot_table(index="practice", columns="col", values="unit_id", aggfunc="nunique", fill_value=0)
        .reindex(columns=list(labels), fill_value=0)
    )
    wide["time unknown"] = ev[~ev["time_known"]].groupby("practice")["unit_id"].nunique()
    wide = wide.reindex(sorted(set(ev["practice"]))).fillna(0).astype(int)
    wide["total"] = ev.groupby("practice")["unit_id"].nunique()
    wide = wide.sort_values("total", ascending=False, kind="stable")
    wide.insert(0, "label_zh", [ds.vocabulary.label(t, "zh") for t in wide.index])
    wide.insert(0, "label_en", [ds.vocabulary.label(t, "en") for t in wide.index])
    wide.columns.name = None
    return wide


def counts_by_region(ds: Dataset, level: str | None = None) -> pd.DataFrame:
    """Adopting units, adoption events and distinct practices per unit of ``level``.

    ``level`` defaults to the top level of the geography (China: province). Units without
    adoptions are left out; ``population`` gives the number of units at that level.
    """
    geo = ds.geography
    level = level or geo.levels[0]
    col = level + "_code"
    ev = ds.events[ds.events[col] != ""]
    g = ev.groupby(col).agg(
        units=("unit_id", "nunique"),
        events=("practice", "size"),
        practices=("practice", "nunique"),
        first_date=("date", lambda s: min((d for d in s if d), default="")),
    )
    g.index.name = "code"
    names = geo.units.loc[g.index, ["name_zh", "name_en", "macro_region"]]
    g = pd.concat([names, g], axis=1)
    return g.sort_values(["units", "events"], ascending=False, kind="stable").reset_index()
