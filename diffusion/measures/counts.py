"""Descriptive tables of a dataset: adoption counts by period and practice, and by region."""

from __future__ import annotations

import pandas as pd

from diffusion.data.dataset import Dataset
from diffusion.data.periods import period_labels

__all__ = ["counts_by_period_practice", "counts_by_region"]


def counts_by_period_practice(ds: Dataset, groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """Adopting units per practice (rows) and period (columns), plus units of unknown time.

    Returns a wide table indexed by practice tag with a ``label_en``/``label_zh`` pair, one
    column per period label, ``time unknown`` and ``total`` (distinct units). With ``groups``
    (:func:`~diffusion.data.periods.period_groups`), one column per group of periods: the
    distinct units that adopted in any of its periods.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> from diffusion.data.periods import period_groups
    >>> ds = load_dataset("broadband-china")
    >>> list(counts_by_period_practice(ds, period_groups(ds, most=2)).columns)
    ['label_en', 'label_zh', '2010–2014', '2015–2019', 'time unknown', 'total']
    """
    ev = ds.events
    periods = period_labels(ds)
    if groups is not None:
        periods = periods.assign(label=periods["period"].map(groups.set_index("period")["label"]))
    labels = periods.set_index("date")["label"]
    known = ev[ev["time_known"]]
    wide = (
        known.assign(col=known["date"].map(labels))
        .pivot_table(index="practice", columns="col", values="unit_id", aggfunc="nunique", fill_value=0)
        .reindex(columns=list(dict.fromkeys(labels)), fill_value=0)
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
