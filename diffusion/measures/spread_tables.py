"""The spread metrics as the two tables the command line writes: per practice, and per period.

:func:`~diffusion.measures.spread.spread_metrics` gives one tidy table of everything. Written as it
is, 700 practices over 200 periods make three million rows (175 MB), most of them repeating the
previous period: counts that did not change, zero hazards. On disk the metrics are split:

- :func:`history_table`: the whole-history metrics of each practice (origin, milestones, Bass with
  its interval and notes), tidy;
- :func:`period_table`: one row per practice and period *in which the practice gained an adopter*,
  one column per metric. In the periods between two rows nothing was adopted: cumulative values
  are those of the row before and new counts and hazards are zero; before the first row, nothing
  was reached.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["history_table", "period_table"]


def history_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """The metrics that describe a practice's whole history (no ``batch``), tidy.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> from diffusion.measures.spread import spread_metrics
    >>> h = history_table(spread_metrics(load_dataset("broadband-china"), by_series=False))
    >>> h.query("metric == 'origin_period'")[["practice", "value"]].values.tolist()
    [['broadband_china', 3.0], ['ip_demonstration_city', 1.0]]
    """
    return metrics[metrics["batch"].isna()].drop(columns="batch").reset_index(drop=True)


def period_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """The per-period metrics, one row per series, practice and period in which it gained an adopter.

    Columns: ``series, practice, period`` and one column per metric, in the order of the tidy table.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> from diffusion.measures.spread import spread_metrics
    >>> p = period_table(spread_metrics(load_dataset("broadband-china"), by_series=False))
    >>> p.query("practice == 'broadband_china'")[["period", "provinces_reached"]].values.tolist()
    [[3, 21.0], [4, 26.0], [5, 31.0]]
    """
    timed = metrics[metrics["batch"].notna()]
    keys = ["series", "practice", "batch"]
    gained = timed.loc[(timed["metric"] == "new_adopters") & (timed["value"] > 0), keys]
    kept = timed.merge(gained, on=keys)
    wide = kept.pivot(index=keys, columns="metric", values="value")
    wide = wide[list(dict.fromkeys(kept["metric"]))]  # the tidy table's order, not the alphabet
    wide.columns.name = None
    return wide.reset_index().rename(columns={"batch": "period"})
