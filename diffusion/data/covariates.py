"""Unit covariates: attributes of units (GDP, population, ...), time-invariant or by year.

A :class:`Covariates` holds one long table, a row per unit, year and variable. A variable may be
observed at several levels (population of provinces and of prefectures) and in some years only;
a value is never carried from one year to another or from one level to another without saying
so. Derived variables (GDP per capita, urban share) are computed from their inputs wherever both
are observed in the same unit and year, never stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from diffusion.errors import ParameterError
from diffusion.i18n import level_name, t

__all__ = ["COVARIATE_COLUMNS", "DERIVED", "Covariates", "Derived"]

#: Columns of the long covariate table; ``year`` is missing (<NA>) for a time-invariant value.
COVARIATE_COLUMNS = ["unit", "level", "year", "variable", "value", "measure", "source"]


@dataclass(frozen=True)
class Derived:
    """A variable computed from others observed in the same unit and year."""

    name: str
    inputs: tuple[str, ...]
    compute: Callable[..., np.ndarray]
    measure: str
    description: str


#: Derived variables, computed wherever their inputs are observed together.
DERIVED = (
    Derived(
        "gdp_per_capita",
        ("gdp", "census_population"),
        lambda gdp, pop: gdp * 1e8 / pop,
        "yuan per person",
        "gdp (100 million yuan) / census_population",
    ),
    Derived(
        "urban_share",
        ("census_urban_population", "census_population"),
        lambda urban, pop: urban / pop,
        "share",
        "census_urban_population / census_population",
    ),
)


@dataclass(frozen=True, eq=False)
class Covariates:
    """Attributes of units, as a long table (see ``COVARIATE_COLUMNS``).

    Parameters
    ----------
    table : DataFrame
        ``unit`` (a unit code of the geography), ``level``, ``year`` (nullable integer),
        ``variable``, ``value`` (float; NaN where the file left it empty), ``measure`` and
        ``source`` (text, may be empty).
    origin : str
        Where they come from: a file, or the bundled geography.
    warnings : DataFrame, optional
        What reading the file reported (empty cells per variable), as a table of problems.

    Examples
    --------
    >>> table = pd.DataFrame({"unit": ["43", "43"], "level": ["province"] * 2, "year": [2020, 2020],
    ...                       "variable": ["gdp", "census_population"], "value": [41781.5, 66444864.0]})
    >>> cov = Covariates(table, "example")
    >>> round(float(cov.wide(year=2020).loc["43", "gdp_per_capita"]))
    62881
    """

    table: pd.DataFrame
    origin: str
    warnings: pd.DataFrame | None = None
    derived: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        table = self.table.reindex(columns=COVARIATE_COLUMNS)
        table = table.assign(
            year=pd.array(pd.to_numeric(table["year"]), dtype="Int64"),
            value=pd.to_numeric(table["value"]).astype(float),
            measure=table["measure"].astype(object).fillna(""),
            source=table["source"].astype(object).fillna(""),
        )
        given = table[~table["variable"].isin([d.name for d in DERIVED])]
        extra, names = _derive(given)
        table = pd.concat([given, extra], ignore_index=True) if len(extra) else given
        object.__setattr__(
            self, "table", table.sort_values(["variable", "level", "unit", "year"]).reset_index(drop=True)
        )
        object.__setattr__(self, "derived", names)

    @property
    def variables(self) -> list[str]:
        """Every variable, given or derived, in name order."""
        return sorted(self.table["variable"].unique())

    def summary(self, geography=None) -> pd.DataFrame:
        """One row per variable and level: years, units with a value, missing values, range.

        With ``geography``, also the number of units of the level (units without any row are
        missing too).
        """
        rows = []
        for (variable, level), g in self.table.groupby(["variable", "level"], sort=True):
            years = g["year"].dropna()
            known = g.dropna(subset=["value"])
            rows.append(
                {
                    "variable": variable,
                    "level": level,
                    "years": _years(years),
                    "units with a value": known["unit"].nunique(),
                    "units of the level": geography.population(level) if geography is not None else np.nan,
                    "empty cells": int(g["value"].isna().sum()),
                    "min": known["value"].min(),
                    "median": known["value"].median(),
                    "max": known["value"].max(),
                    "measure": next((m for m in g["measure"] if m), ""),
                    "source": "; ".join(sorted({s for s in g["source"] if s})),
                    "derived": variable in self.derived,
                }
            )
        return pd.DataFrame(rows)

    def statements(self) -> list[str]:
        """One plain line per variable: what it is, at which level, which years (for reports)."""
        out: list[str] = []
        for r in self.summary().to_dict("records"):
            line = t(
                "{variable} ({level}, {years}): {n} units with a value",
                variable=r["variable"],
                level=level_name(r["level"]),
                years=r["years"],
                n=r["units with a value"],
            )
            out.append(t("{line}; derived", line=line) if r["derived"] else line)
        return out

    def wide(self, *, year: int | None = None, level: str | None = None) -> pd.DataFrame:
        """One row per unit, one column per variable (NaN where not observed).

        Time-invariant values are given for every year; a time-varying variable takes its value in
        ``year`` only (``None``: time-invariant variables only). Nothing is carried across years.
        """
        rows = self.table if level is None else self.table[self.table["level"] == level]
        invariant = rows[rows["year"].isna()]
        parts = [invariant]
        if year is not None:
            parts.append(rows[rows["year"] == year])
        chosen = pd.concat(parts, ignore_index=True)
        out = chosen.pivot_table(index="unit", columns="variable", values="value", aggfunc="first", dropna=False)
        out.columns.name = None
        return out.reindex(columns=sorted(rows["variable"].unique()))  # every variable, observed this year or not

    def panel(self, *, level: str | None = None) -> pd.DataFrame:
        """One row per unit and year, one column per variable; time-invariant values on every year."""
        rows = self.table if level is None else self.table[self.table["level"] == level]
        years = sorted(int(y) for y in rows["year"].dropna().unique())
        frames = [self.wide(year=y, level=level).assign(year=y) for y in years] or [self.wide(level=level)]
        return pd.concat(frames).reset_index().set_index(["unit", "year"] if years else ["unit"]).sort_index()

    def for_units(self, variable: str, units, geography, *, year: int | None = None) -> tuple[pd.Series, int]:
        """One variable for given units: each unit's own value, else its nearest ancestor's.

        ``year`` defaults to the latest year the variable is observed (or time-invariant values).
        Returns the values (NaN where neither the unit nor an ancestor has one) and how many were
        taken from an ancestor (a province's GDP per capita for its counties), to be reported.

        Examples
        --------
        >>> from diffusion.data.geography import load_geography
        >>> geo = load_geography()
        >>> values, inherited = geo.covariates.for_units("gdp", ["431322", "43"], geo)
        >>> values.tolist(), inherited  # Xinhua county takes Hunan's GDP (2020)
        ([41781.5, 41781.5], 1)
        """
        rows = self.table[self.table["variable"] == variable]
        if rows.empty:
            raise ParameterError("variable", f"no covariate {variable!r}; the covariates are {self.variables}.")
        if year is None and rows["year"].notna().any():
            year = int(rows["year"].max())
        chosen = rows[rows["year"].isna() | (rows["year"] == year)].dropna(subset=["value"])
        known = dict(zip(chosen["unit"], chosen["value"]))
        values, inherited = {}, 0
        for unit in units:
            owner = next((c for c in (unit, *geography.ancestors(unit)) if c in known), None)
            values[unit] = known[owner] if owner is not None else np.nan
            inherited += owner is not None and owner != unit
        return pd.Series(values, name=variable, dtype=float), inherited

    def combined(self, other: Covariates) -> Covariates:
        """These covariates with ``other``'s added; a variable in both is taken from ``other``."""
        mine = self.table[~self.table["variable"].isin(other.table["variable"].unique())]
        return Covariates(pd.concat([mine, other.table], ignore_index=True), f"{self.origin}; {other.origin}")


def _derive(table: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The derived variables wherever their inputs are observed in the same unit and year."""
    frames, names = [], []
    key = ["unit", "level", "year"]
    for d in DERIVED:
        inputs = [table[table["variable"] == v].drop_duplicates(key) for v in d.inputs]
        if any(x.empty for x in inputs):
            continue
        merged = inputs[0][[*key, "value"]]
        for k, x in enumerate(inputs[1:], start=1):
            merged = _join(merged, x[[*key, "value"]], k)
        if merged.empty:
            continue
        args = [merged["value"].to_numpy()] + [merged[f"value_{k}"].to_numpy() for k in range(1, len(d.inputs))]
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(np.isfinite(d.compute(*args)), d.compute(*args), np.nan)
        frames.append(merged[key].assign(variable=d.name, value=value, measure=d.measure, source=d.description))
        names.append(d.name)
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COVARIATE_COLUMNS)), tuple(names)


def _join(left: pd.DataFrame, right: pd.DataFrame, k: int) -> pd.DataFrame:
    """Inputs in the same unit and year; a time-invariant input joins every year of the other."""
    right = right.rename(columns={"value": f"value_{k}"})
    same = left.merge(right, on=["unit", "level", "year"])
    fixed_right = left[left["year"].notna()].merge(
        right[right["year"].isna()].drop(columns="year"), on=["unit", "level"]
    )
    fixed_left = (
        left[left["year"].isna()].drop(columns="year").merge(right[right["year"].notna()], on=["unit", "level"])
    )
    return pd.concat([same, fixed_right, fixed_left], ignore_index=True)


def _years(years: pd.Series) -> str:
    if years.empty:
        return t("time-invariant")
    low, high = int(years.min()), int(years.max())
    return str(low) if low == high else f"{low}–{high}"
