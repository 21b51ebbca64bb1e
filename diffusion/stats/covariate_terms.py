"""Unit covariates as terms of the event-history model: each region-period's value, lagged one year.

A region at risk in a period takes the covariate's value of the year before the period's year
(time-varying variables: what was known before adopting), or its time-invariant value. Where that
year is not observed, the latest earlier year is used and the rows that needed it are counted; a
unit without a value of its own takes its nearest ancestor's (a province's GDP per capita for its
counties), counted too. Rows left without a value are dropped from the model and counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffusion.data.dataset import Dataset
from diffusion.errors import ParameterError

__all__ = ["add_covariates"]


def add_covariates(pp: pd.DataFrame, ds: Dataset, variables: tuple[str, ...]) -> tuple[pd.DataFrame, dict[str, object]]:
    """``pp`` with a column per covariate, rows without a value dropped; and what was done, counted.

    Parameters
    ----------
    pp : DataFrame
        A person-period table (:func:`diffusion.stats.event_history.person_period`).
    ds : Dataset
        Its dataset; its ``covariates`` and period dates are used.
    variables : tuple of str
        Covariate names (``ds.covariates.variables``).

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> from diffusion.stats.event_history import person_period
    >>> ds = load_dataset("leading-cases")
    >>> pp, notes = add_covariates(person_period(ds), ds, ("gdp",))
    >>> notes["gdp"]["year_used"]  # a 2022 period looks at 2021; GDP ends in 2020
    {'2022': 2020}
    """
    if not variables:
        return pp, {}
    if ds.covariates is None:
        raise ParameterError(
            "covariate_terms", "`covariate_terms` need covariates: give a covariate file (`covariates`)."
        )
    unknown = [v for v in variables if v not in ds.covariates.variables]
    if unknown:
        raise ParameterError(
            "covariate_terms", f"no covariate {unknown[0]!r}; the covariates are {ds.covariates.variables}."
        )
    from diffusion.data.periods import period_labels

    year_of = period_labels(ds).set_index("period")["date"].astype(str).str[:4]
    if not year_of.str.isdigit().all():
        raise ParameterError(
            "covariate_terms", "covariate terms need periods with dates; this dataset has batches only."
        )
    regions = pp["region"].astype(str)
    out = pp.copy()
    notes: dict[str, object] = {}
    for variable in variables:
        rows = ds.covariates.table[ds.covariates.table["variable"] == variable].dropna(subset=["value"])
        observed = sorted(int(y) for y in rows["year"].dropna().unique())
        lag = {p: int(y) - 1 for p, y in year_of.items()}  # the year before each period's year
        used = {p: max((y for y in observed if y <= want), default=None) for p, want in lag.items()}
        column = np.full(len(pp), np.nan)
        inherited = 0
        for period in pp["period"].unique():
            year = used[int(period)]
            if year is None and observed:
                continue  # no year of this variable before the period: no value (never a later one)
            at = np.flatnonzero(pp["period"].to_numpy() == period)
            units = regions.iloc[at].unique()
            values, borrowed = ds.covariates.for_units(variable, units, ds.geography, year=year)
            column[at] = regions.iloc[at].map(values).to_numpy(dtype=float)
            inherited += borrowed
        out[variable] = column
        carried = {f"{lag[p] + 1:04d}": y for p, y in used.items() if y is not None and observed and y != lag[p]}
        notes[variable] = {"year_used": carried, "from_ancestor_units": inherited}
    missing = out[list(variables)].isna().any(axis=1)
    notes["rows_without_value"] = int(missing.sum())
    return out[~missing].reset_index(drop=True), notes
