"""Are pilots a representative draw of the units at risk? Balance of covariates and a selection model.

Pilots are the units of a level (default: the top level) that adopted a practice in its first
period (``"first"``: the pilots of the "point" before the "surface"), or every unit with a case
(``"cases"``: the leading-case units). They are compared with *all* units of the level, adopters
or not — the population a finding from pilots would be generalised to.

For each covariate (the bundled ones by default: China's provincial GDP per capita and census
population; values of the unit itself, in the year closest to and not after the first period), the
standardised mean difference d = (mean of pilots - mean of all units) / sd of all units, with a
95 % interval and a p-value from random draws of as many units (the null: pilots are a random
sample). Positive variables are compared on the log scale (``log=True``), where a few large units
do not dominate. An omnibus statistic (the mean of d squared over covariates) tests all at once
against the same draws, and a logit of being a pilot on the standardised covariates (statsmodels)
says which matter together. Exact under its null by construction: the draws are the null.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from diffusion.checks import Seed, check_choice
from diffusion.data.dataset import Dataset
from diffusion.display import Card, Summarised
from diffusion.errors import ParameterError
from diffusion.i18n import joined, level_name, t
from diffusion.stats.inference import p_value, permutation_options
from diffusion.stats.nulls import random_permutations

__all__ = ["IMBALANCE", "PilotBalance", "pilot_balance"]

IMBALANCE = 0.25  # |d| above which groups are commonly called imbalanced (Stuart 2010; Rubin 2001)


@dataclass(frozen=True, repr=False)
class PilotBalance(Summarised):
    """Balance of pilots against all units of the level, and the selection model.

    Attributes
    ----------
    balance : pandas.DataFrame
        ``group`` ("all practices" or a practice), ``pilots`` (which definition), ``covariate``,
        ``scale`` ("log" or "raw"), ``year``, ``n_pilots``, ``n_units``, ``mean_pilots``, ``mean_units``,
        ``smd``, ``lower``, ``upper`` (95 % interval), ``p_value``.
    omnibus : pandas.DataFrame
        Per group: the mean squared SMD over covariates and its p-value.
    model : pandas.DataFrame
        The selection logit (all practices' pilots on standardised covariates): ``term``,
        ``estimate`` (log-odds per sd), ``odds_ratio``, ``lower``, ``upper``, ``p_value``; empty with
        ``model_note`` saying why when it cannot be estimated.
    model_note : str
    verdict : str
        What it means for generalising from pilots, in plain words.
    level, definition : str
    n_permutations, seed
    """

    balance: pd.DataFrame
    omnibus: pd.DataFrame
    model: pd.DataFrame
    model_note: str
    verdict: str
    level: str
    definition: str
    n_permutations: int
    seed: int

    def card(self) -> Card:
        """Its summary (``repr`` and a notebook's display): who the pilots are, and the verdict."""
        facts: tuple[tuple[str, object], ...] = (("level", self.level), ("pilots", self.definition))
        if len(self.balance):
            facts += (("covariates", self.balance["covariate"].nunique()),)
        return Card("PilotBalance", facts, (self.verdict,))


def pilot_balance(
    ds: Dataset,
    *,
    level: str | None = None,
    pilots: Literal["first", "cases"] = "first",
    variables: tuple[str, ...] | None = None,
    log: bool = True,
    min_coverage: float = 0.8,
    n_permutations: int = 999,
    seed: Seed = 0,
) -> PilotBalance:
    """Compare pilots with all units of the level on covariates; fit a selection model; say what it means.

    Parameters
    ----------
    level : str, optional
        Level of the units (default: the top level); a unit is a pilot if a qualifying case lies in it.
    pilots : {"first", "cases"}
        First-period adopters of each practice, or every unit with a case.
    variables : tuple of str, optional
        Covariates to compare (default: every covariate observed for at least ``min_coverage`` of
        the level's units, from the units' own values).
    log : bool
        Compare positive variables on the log scale.
    n_permutations, seed
        Random draws of as many units as there are pilots.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> b = pilot_balance(load_dataset("broadband-china"), n_permutations=99)
    >>> sorted(set(b.balance["covariate"]))[:2]
    ['log census_population', 'log gdp']
    """
    opts = permutation_options(n_permutations, "two-sided", seed)
    check_choice("pilots", pilots, ("first", "cases"))
    geo = ds.geography
    level = check_choice("level", level or geo.levels[0], geo.levels)
    units = geo.level_units(level).index
    values, years = _covariate_table(ds, level, units, variables, min_coverage, log)
    chosen = _pilot_sets(ds, level, units, pilots)
    rng = np.random.default_rng(opts["seed"])
    rows, omnibus = [], []
    for group, is_pilot in chosen.items():
        table, om = _balance(values, is_pilot, rng, opts["n_permutations"])
        rows.append(table.assign(group=group))
        omnibus.append({"group": group, "n_pilots": int(is_pilot.sum()), **om})
    balance = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    if len(balance):
        balance = balance.assign(pilots=pilots, year=balance["covariate"].map(years))
        balance["scale"] = np.where(balance["covariate"].str.startswith("log "), "log", "raw")
    model, note = _selection_model(values, chosen.get("all practices"))
    out = PilotBalance(
        balance, pd.DataFrame(omnibus), model, note, "", level, pilots, opts["n_permutations"], opts["seed"]
    )
    return _with_verdict(out)


def _covariate_table(
    ds: Dataset, level: str, units: pd.Index, wanted: tuple[str, ...] | None, min_coverage: float, log: bool
) -> tuple[pd.DataFrame, dict[str, int | None]]:
    """Units x covariates of the units' own values (log of positive ones), and each variable's year."""
    cov = ds.covariates
    if cov is None:
        raise ParameterError("covariates", "the dataset has no covariates: give a covariate file (`--covariates`).")
    rows = cov.table[cov.table["level"] == level]
    names = list(wanted) if wanted else sorted(rows["variable"].unique())
    unknown = [v for v in names if v not in cov.variables]
    if unknown:
        raise ParameterError("variables", f"no covariate {unknown[0]!r}; the covariates are {cov.variables}.")
    start = _first_year(ds)
    out, years = {}, {}
    for name in names:
        mine = rows[rows["variable"] == name].dropna(subset=["value"])
        year = _year_of(mine["year"], start)
        mine = mine[mine["year"].isna() | (mine["year"] == year)] if year is not None else mine
        value = mine.drop_duplicates("unit").set_index("unit")["value"].reindex(units)
        if value.notna().mean() < min_coverage and not wanted:
            continue  # a variable known for few units of the level says little about them
        if log and (value.dropna() > 0).all() and value.notna().any():
            name = f"log {name}"
            value = np.log(value)
        out[name], years[name] = value, year
    if not out:
        raise ParameterError(
            "covariates",
            f"no covariate is known for {min_coverage:.0%} of the {len(units)} units at level {level!r} "
            f"(their own values); choose another `level` or give covariates of this level.",
        )
    return pd.DataFrame(out, index=units), years


def _first_year(ds: Dataset) -> int | None:
    dates = ds.events.loc[ds.events["time_known"], "date"].astype(str)
    years = [int(d[:4]) for d in dates if d[:4].isdigit()]
    return min(years) if years else None


def _year_of(years: pd.Series, start: int | None) -> int | None:
    """The covariate's year closest to and not after ``start`` (else its earliest); None if time-invariant."""
    known = sorted(int(y) for y in years.dropna().unique())
    if not known:
        return None
    before = [y for y in known if start is not None and y <= start]
    return before[-1] if before else known[0]


def _pilot_sets(ds: Dataset, level: str, units: pd.Index, pilots: str) -> dict[str, np.ndarray]:
    """Which units are pilots: over all practices, then per practice (for first-period pilots)."""
    from diffusion.measures.spread import adopters_by_level

    if pilots == "cases":
        ev = ds.events.copy()
        geo = ds.geography
        at = ev["geo_code"].map(lambda c: geo.ancestor_at(c, level) or "" if c else "")
        return {"all practices": units.isin(set(at) - {""})}
    ev = adopters_by_level(ds)
    ev = ev[ev[f"at_{level}"] != ""]
    first = ev[ev["period"] == ev.groupby("practice")["period"].transform("min")]
    out = {"all practices": units.isin(first[f"at_{level}"])}
    for practice, rows in first.groupby("practice", sort=True):
        out[practice] = units.isin(rows[f"at_{level}"])
    return out


def _balance(values: pd.DataFrame, is_pilot: np.ndarray, rng: np.random.Generator, k: int) -> tuple[pd.DataFrame, dict]:
    """SMD of each covariate with its permutation interval and p, and the omnibus mean squared SMD."""
    rows = []
    d_obs, d_null = [], []
    for name in values.columns:
        v = values[name]
        known = v.notna().to_numpy()
        x, pil = v.to_numpy()[known], is_pilot[known]
        n, total = int(pil.sum()), len(x)
        sd = float(np.std(x, ddof=1)) if total > 1 else float("nan")
        if n == 0 or n == total or not sd > 0:
            continue
        d = (x[pil].mean() - x.mean()) / sd
        draws = (x[random_permutations(total, rng, k)[:, :n]].mean(axis=1) - x.mean()) / sd
        low, high = np.quantile(draws, [0.025, 0.975])
        rows.append(
            {
                "covariate": name,
                "n_pilots": n,
                "n_units": total,
                "mean_pilots": float(x[pil].mean()),
                "mean_units": float(x.mean()),
                "smd": float(d),
                "lower": float(d - high),  # the observed difference less the chance range
                "upper": float(d - low),
                "p_value": p_value(d, draws, "two-sided"),
            }
        )
        d_obs.append(d)
        d_null.append(draws)
    if not rows:
        return pd.DataFrame(), {"mean_squared_smd": float("nan"), "p_value": float("nan")}
    stat, null = float(np.mean(np.square(d_obs))), np.mean(np.square(d_null), axis=0)
    return pd.DataFrame(rows), {"mean_squared_smd": stat, "p_value": p_value(stat, null, "greater")}


def _selection_model(values: pd.DataFrame, is_pilot: np.ndarray | None) -> tuple[pd.DataFrame, str]:
    """Logit of being a pilot on the standardised covariates (complete cases)."""
    import warnings

    # the modules themselves, not statsmodels.api, which imports time series and graphics (0.35 s)
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.tools import add_constant

    empty = pd.DataFrame(columns=["term", "estimate", "odds_ratio", "lower", "upper", "p_value"])
    if is_pilot is None:
        return empty, t("no pilots")
    data = values.assign(pilot=is_pilot.astype(float)).dropna()
    x, dropped = _not_collinear(data.drop(columns="pilot"))
    x = (x - x.mean()) / x.std(ddof=1)
    n_pilots = int(data["pilot"].sum())
    if n_pilots < 2 or n_pilots > len(data) - 2 or len(data) <= x.shape[1] + 2:
        return empty, t(
            "not estimated: {n} pilots among {total} units with every covariate", n=n_pilots, total=len(data)
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = Logit(data["pilot"], add_constant(x)).fit(disp=0, maxiter=200)
        except Exception as exc:  # perfect separation, singular matrix: say so, do not fail the report
            return empty, t("not estimated: {error}", error=f"{type(exc).__name__}: {exc}")
    if not fit.mle_retvals.get("converged", True):
        return empty, t("not estimated: the fit did not converge (the covariates nearly separate pilots)")
    ci = fit.conf_int()
    table = pd.DataFrame(
        {
            "term": fit.params.index,
            "estimate": fit.params.to_numpy(),
            "odds_ratio": np.exp(fit.params.to_numpy()),
            "lower": np.exp(ci[0].to_numpy()),
            "upper": np.exp(ci[1].to_numpy()),
            "p_value": fit.pvalues.to_numpy(),
        }
    )
    note = t(
        "logit over {n} units ({pilots} pilots); likelihood-ratio test against no covariate: p = {p:.3g}; McFadden "
        "R² = {r2:.2f}{dropped}",
        n=len(data),
        pilots=n_pilots,
        p=fit.llr_pvalue,
        r2=fit.prsquared,
        dropped=t("; left out as nearly collinear with the others: {names}", names=", ".join(dropped))
        if dropped
        else "",
    )
    return table, note


def _not_collinear(x: pd.DataFrame, max_r2: float = 0.9) -> tuple[pd.DataFrame, list[str]]:
    """Covariates in order, each kept if the ones kept before explain < 90 % of it (VIF < 10).

    Examples
    --------
    >>> x = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 1, 4, 3], "c": [3.0, 3, 7, 7]})  # c = a + b
    >>> _not_collinear(x)[1]
    ['c']
    """
    kept: list[str] = []
    dropped = []
    for name in x.columns:
        if kept:
            design = np.column_stack([np.ones(len(x)), x[kept].to_numpy()])
            y = x[name].to_numpy()
            fitted = design @ np.linalg.lstsq(design, y, rcond=None)[0]
            r2 = 1 - ((y - fitted) ** 2).sum() / max(((y - y.mean()) ** 2).sum(), 1e-300)
            if r2 >= max_r2:
                dropped.append(name)
                continue
        kept.append(name)
    return x[kept], dropped


def _with_verdict(b: PilotBalance) -> PilotBalance:
    """The same result with its plain-language verdict."""
    from dataclasses import replace

    rows = b.balance[b.balance["group"] == "all practices"] if len(b.balance) else b.balance
    om = b.omnibus.set_index("group").loc["all practices"] if len(b.omnibus) else None
    who = t("first-period adopters") if b.definition == "first" else t("units with a case")
    level = level_name(b.level)
    if om is not None and not len(rows) and om["n_pilots"] > 0:
        text = t(
            "Every unit at level {level} with a covariate is among the pilots ({who}): there is no other unit to "
            "compare them with (choose a finer level).",
            level=level,
            who=who,
        )
        return replace(b, verdict=text)
    if om is None or not len(rows):
        text = t(
            "Pilots ({who}) could not be compared with the units at level {level} on any covariate.",
            who=who,
            level=level,
        )
        return replace(b, verdict=text)
    n, total = int(rows["n_pilots"].max()), int(rows["n_units"].max())
    apart = rows[(rows["p_value"] < 0.05) & (rows["smd"].abs() > IMBALANCE)]
    if om["p_value"] < 0.05 and len(apart):
        text = t(
            "The {n} pilots ({who}) are not a random draw of the {total} {level} units: they differ on {names} (all "
            "covariates together: p = {p:.3g}). What pilots show holds for units like them; generalising to all units "
            "needs these differences in mind (compare like with like, or weight).",
            n=n,
            who=who,
            total=total,
            level=level,
            names=", ".join(f"{r.covariate} (SMD {r.smd:+.2f})" for r in apart.itertuples()),
            p=om["p_value"],
        )
    else:
        text = t(
            "On the covariates measured ({names}), the {n} pilots ({who}) look like a random draw of the {total} "
            "{level} units (all together: p = {p:.3g}). Nothing here warns against generalising from them; "
            "differences in what was not measured remain possible.",
            names=", ".join(rows["covariate"]),
            n=n,
            who=who,
            total=total,
            level=level,
            p=om["p_value"],
        )
    if n < 5:
        text = joined(text, t("With {n} pilots the comparison has little power.", n=n))
    return replace(b, verdict=text)
