"""The unified discrete-time event-history model (Berry & Berry 1990) with channel and covariate terms.

One row per unit, practice and period at risk (:func:`diffusion.stats.event_history.person_period`);
``P(adopt) = F(baseline + terms)`` with F the logistic, complementary log-log or identity (linear
probability) function. Terms are written as a formula over the channel columns
(:data:`diffusion.stats.channels.CHANNELS`), ``macro_region``, ``practice`` and the unit
covariates (lagged one year), e.g. ``"neighbour_share + parent_adopted + np.log(gdp_per_capita) +
C(macro_region)"`` (formulaic syntax: transforms, ``C()``, interactions ``a:b``). Pooled over
practices, ``neighbour_share:C(practice)`` gives the channel's slope in each practice (and
``neighbour_share + neighbour_share:C(practice)`` each practice's difference from the first), to see
whether a channel's effect varies across practices.

Baselines: ``practice-period`` (default; an intercept per practice and period, so no practice's
rate or timing leaks into a term; terms constant within a practice-period, like a dated
promotion, are absorbed), ``practice+period`` (an intercept per practice plus one per period: a
promotion's effect is estimated, at the risk of confounding when practices have their own
timing) and ``period``. With a period in every baseline, a log period-length offset of the
complementary log-log model is absorbed too (periods of unequal length change nothing).

Inference is clustered by top-level unit (provinces). Default: the wild cluster score bootstrap
(:mod:`diffusion.stats.wild_bootstrap`) for p-values and intervals, with the CR1 standard error
shown; ``"jackknife"`` (CR3) and ``"sandwich"`` (CR1), each with t on G - 1 df, are the
alternatives. Calibration against independent nulls is in the README.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from diffusion.checks import check_choice
from diffusion.data.dataset import Dataset
from diffusion.display import Card, Summarised
from diffusion.errors import ParameterError
from diffusion.i18n import t
from diffusion.stats.channels import CHANNELS
from diffusion.stats.covariate_terms import add_covariates
from diffusion.stats.heterogeneity import HETEROGENEITY_COLUMNS, describe_heterogeneity, heterogeneity_table
from diffusion.stats.model_design import design_matrix, leave_out_separated, strata
from diffusion.stats.model_fit import Design, ModelError, check_separation, coefficient_table
from diffusion.stats.wild_bootstrap import webb_draws

__all__ = [
    "DEFAULT_FORMULA",
    "EventHistoryModel",
    "ModelError",
    "fit_event_history",
    "fit_table",
    "parse_formula",
    "ratio",
]

DEFAULT_FORMULA = "neighbour_share + promoted + C(macro_region)"
BASELINES = ("practice-period", "practice+period", "period")
INFERENCE = ("wild", "jackknife", "sandwich")
_LINKS = {"logit": "logit", "cloglog": "cloglog", "linear": "identity"}
#: Categories a formula may use besides channels and covariates: ``C(macro_region)`` for regional
#: levels, ``neighbour_share:C(practice)`` for a channel's slope in each practice.
_CATEGORIES = ("macro_region", "practice")
_STATEFUL = re.compile(r"\b(center|scale|standardize|poly|bs|cr|cs|cc|te|lag)\s*\(")
#: Events per term below which estimates are unstable (Peduzzi et al. 1996: 10 per term).
EVENTS_PER_TERM = 10


@dataclass(frozen=True, repr=False)
class EventHistoryModel(Summarised):
    """A fitted event-history model: the tidy coefficient table and what was done to fit it.

    ``coefficients``: ``term, estimate, se, statistic, p_value, lower, upper`` and, for the
    logit and complementary log-log links, ``ratio, ratio_lower, ratio_upper`` (odds or hazard
    ratios). ``notes`` counts what was dropped, absorbed, separated, carried or inherited.
    """

    coefficients: pd.DataFrame
    formula: str
    link: str
    baseline: str
    inference: str
    clusters: int
    cluster_level: str
    region_periods: int
    adoptions: int
    notes: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    rows_are: str = "region-periods"  # or "dyad-periods" (directed dyads)

    @property
    def scale(self) -> str:
        """What a ratio multiplies: odds (logit), hazard (cloglog) or nothing (linear)."""
        return {"logit": t("odds"), "cloglog": t("hazard")}.get(self.link, t("probability"))

    def card(self) -> Card:
        """Its summary (``repr`` and a notebook's display): the fit's facts and each term in words."""
        facts: tuple[tuple[str, object], ...] = (("link", self.link), ("baseline", self.baseline))
        facts += (("inference", self.inference),)
        facts += (("clusters", self.clusters), (self.rows_are, self.region_periods), ("adoptions", self.adoptions))
        terms = tuple(self.describe(term) for term in self.coefficients["term"])
        return Card(f"EventHistoryModel {self.formula!r}", facts, (*terms, *self.warnings))

    def plot(self, ax=None, lang: str = "en"):
        """Its terms with their 95 % intervals as a forest plot, on ``ax`` (see :mod:`diffusion.plot`)."""
        from diffusion.plot import forest

        return forest(self, ax=ax, lang=lang)

    def term(self, name: str) -> dict:
        """One term's row as a dict."""
        rows = self.coefficients[self.coefficients["term"] == name]
        if rows.empty:
            raise KeyError(f"no term {name!r}; the terms are {self.coefficients['term'].tolist()}")
        return rows.iloc[0].to_dict()

    def describe(self, name: str) -> str:
        """One term in plain words: direction, size with its interval, p, never a ratio of "0.00"."""
        row = self.term(name)
        b, low, high, p = row["estimate"], row["lower"], row["upper"], row["p_value"]
        if np.isnan(low) and np.isnan(high):
            interval = t("95 % interval not computed")
        elif self.link == "linear":
            interval = t("95 % interval {low:+.3f} to {high:+.3f}", low=low, high=high)
        else:
            interval = t("95 % interval {low} to {high}", low=ratio(low), high=ratio(high))
        if self.link == "linear":
            size = t("{b:+.3f} in the probability of adoption per period ({interval})", b=b, interval=interval)
        else:
            size = t(
                "the {scale} of adoption × {ratio} ({interval})", scale=self.scale, ratio=ratio(b), interval=interval
            )
        if p < 0.05:
            verdict = (
                t("a clear sign of a higher rate with this term")
                if b > 0
                else t("a clear sign of a lower rate with this term")
            )
        else:
            verdict = t("no clear sign that this term changes the rate")
        return t("{term}: {size}; p = {p:.3g} — {verdict}.", term=name, size=size, p=p, verdict=verdict)

    def left_out(self) -> list[str]:
        """Sentences on the terms not estimated, and why."""
        reasons = {
            "absorbed_by_baseline": "constant within each stratum of the baseline (absorbed by it)",
            "dropped_terms": "without variation, or repeating other terms",
            "separated_terms": "all or none of its region-periods adopted (left out with its rows)",
        }
        return [
            f"Not estimated, {why}: {', '.join(self.notes[key])}."
            for key, why in reasons.items()
            if self.notes.get(key)
        ]

    def summary(self) -> str:
        """The coefficient table and the fit's facts, as text."""
        shown = self.coefficients[["term", "estimate", "se", "p_value", "lower", "upper"]]
        lines = [
            f"Event-history model ({self.link}; baseline {self.baseline}; inference {self.inference}; "
            f"{self.clusters} {self.cluster_level} clusters)",
            f"{self.region_periods} {self.rows_are} at risk, {self.adoptions} adoptions"
            + (
                f" (adopting dyads: {self.notes['follower_adoptions']} adoptions, each with its earlier adopters)"
                if "follower_adoptions" in self.notes
                else ""
            )
            + f"; formula: {self.formula}",
            shown.to_string(index=False, float_format=lambda v: f"{v:.4g}"),
            *(describe_heterogeneity(row) for row in self.notes.get("heterogeneity", [])),
            *self.left_out(),
            *self.warnings,
        ]
        return "\n".join(lines)

    @property
    def heterogeneity(self) -> pd.DataFrame:
        """Tests that a term has one slope in every practice (``vary``): ``term, practices, df,
        statistic, p_value, draws`` (:mod:`diffusion.stats.heterogeneity`)."""
        return pd.DataFrame(self.notes.get("heterogeneity", []), columns=list(HETEROGENEITY_COLUMNS))


def ratio(b: float) -> str:
    """An odds or hazard ratio that never reads "0.00": small ones as 1/x, extreme ones bounded.

    Examples
    --------
    >>> ratio(0.7), ratio(-6.0), ratio(7.0), ratio(-30.0), ratio(float("-inf"))
    ('2.01', '1/403', '1,097', 'below 1/10,000', 'nearly 0')
    """
    if not np.isfinite(b):
        return t("nearly 0") if b < 0 else t("unbounded")
    value = float(np.exp(b))
    if value < 1e-4:
        return t("below 1/10,000")
    if value > 1e4:
        return t("above 10,000")
    if value < 0.01:
        return f"1/{1 / value:,.0f}"
    return f"{value:.2f}" if value < 100 else f"{value:,.0f}"


def formula_variables(formula: str | None, default: str) -> tuple[str, list[str]]:
    """The formula's right-hand side (``default`` if none) and the variables it uses, sorted.

    An empty formula, a stateful transform (``scale()``: it would be computed over grouped rows)
    or one formulaic cannot read is a :class:`ParameterError`.

    Examples
    --------
    >>> formula_variables("~ np.log(gdp) + neighbour_share", "promoted")
    ('np.log(gdp) + neighbour_share', ['gdp', 'neighbour_share'])
    """
    import formulaic

    rhs = (formula or default).split("~")[-1].strip()
    if not rhs:
        raise ParameterError("formula", "the formula has no terms; e.g. `~ neighbour_share + promoted`.")
    stateful = _STATEFUL.search(rhs)
    if stateful:
        raise ParameterError(
            "formula",
            f"`{stateful.group(1)}(...)` in the formula is not supported (it would be computed over grouped "
            "rows); transform the covariate in the covariate file instead.",
        )
    try:
        return rhs, sorted(formulaic.Formula(rhs).required_variables)
    except Exception as exc:  # formulaic's parser errors have no common base class
        raise ParameterError("formula", f"the formula {rhs!r} cannot be read ({exc}).") from None


def parse_formula(formula: str | None, ds: Dataset) -> tuple[str, list[str], list[str]]:
    """The right-hand side, its channel terms and its covariates; unknown names are an error.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> parse_formula("~ neighbour_share + np.log(gdp)", load_dataset("leading-cases"))
    ('neighbour_share + np.log(gdp)', ['neighbour_share'], ['gdp'])
    """
    rhs, variables = formula_variables(formula, DEFAULT_FORMULA)
    covariates = ds.covariates.variables if ds.covariates is not None else []
    known = [*CHANNELS, *_CATEGORIES, *covariates]
    unknown = [v for v in variables if v not in known]
    if unknown:
        raise ParameterError(
            "formula",
            f"unknown term {unknown[0]!r} in the formula; the terms are the channels {sorted(CHANNELS)}, "
            f"'macro_region', 'practice' and the covariates {list(covariates) or '(none: give a covariate file)'}.",
        )
    return rhs, [v for v in variables if v in CHANNELS], [v for v in variables if v in covariates]


def fit_event_history(
    ds: Dataset,
    formula: str | None = None,
    *,
    level: str | None = None,
    practice: str | None = None,
    outcome: Literal["within", "own"] = "within",
    link: Literal["logit", "cloglog", "linear"] = "logit",
    baseline: Literal["practice-period", "practice+period", "period"] = "practice-period",
    inference: Literal["wild", "jackknife", "sandwich"] = "wild",
    draws: int = 9999,
    intervals: bool = True,
    seed: int | np.random.Generator | None = 0,
    n_jobs: int | None = None,
    vary: tuple[str, ...] = (),
) -> EventHistoryModel:
    """Fit the discrete-time event-history model of adoption.

    Parameters
    ----------
    ds : Dataset
    formula : str, optional
        Terms, e.g. ``"~ neighbour_share + parent_adopted + np.log(gdp_per_capita)"``
        (default :data:`DEFAULT_FORMULA`).
    level, practice, outcome
        Regions of ``level`` (default: the top level), one practice or all, and what counts as a
        region's adoption (:func:`diffusion.stats.event_history.person_period`).
    link : {"logit", "cloglog", "linear"}
    baseline : {"practice-period", "practice+period", "period"}
    inference : {"wild", "jackknife", "sandwich"}
        Wild cluster score bootstrap (``draws`` Webb draws; ``intervals`` inverts it for each
        term), cluster jackknife (CR3) or cluster sandwich (CR1).
    seed : int or Generator
        Seed of the wild draws.
    n_jobs : int, optional
        Worker processes of the wild bootstrap's restricted fits on large tables (default: the
        user's ``joblib.parallel_config``, else one per core); results do not depend on it.
    vary : tuple of str
        Terms (columns of the model) to test for one slope in every practice against a slope per
        practice: a wild score test, in ``model.heterogeneity`` and the summary
        (:mod:`diffusion.stats.heterogeneity`). Needs a baseline per practice.

    Raises
    ------
    ParameterError
        An unknown term, link, baseline or inference.
    ModelError
        Too few adoptions for the terms, a term without variation, or separation.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> m = fit_event_history(load_dataset("broadband-china"), "~ neighbour_share", draws=999)
    >>> m.clusters, m.adoptions, m.coefficients["term"].tolist()
    (31, 42, ['neighbour_share'])
    """
    from diffusion.stats.event_history import person_period

    rhs, channels, covariates = parse_formula(formula, ds)
    pp = person_period(ds, level, practice, outcome=outcome, channels=tuple(channels))
    total_rows = len(pp)
    pp, covariate_notes = add_covariates(pp, ds, tuple(covariates))
    notes: dict = {"covariates": covariate_notes, "censored_regions": int(pp["censored"].sum()) if len(pp) else 0}
    said = []
    if covariates and total_rows and pp.empty:
        raise ModelError(
            t(
                "no region-period at risk has a value of {covariates} for the year before its period (nor an "
                "earlier year, nor a value of an ancestor unit); give the covariate for earlier years, or leave it out",
                covariates=", ".join(covariates),
            )
        )
    if covariate_notes.get("rows_without_value"):
        said.append(
            f"{covariate_notes['rows_without_value']} region-periods without a value of "
            f"{', '.join(covariates)} (no earlier year, no value of the unit or its ancestors) were left out."
        )
    return fit_table(
        pp,
        rhs,
        [*channels, *covariates],
        link=link,
        baseline=baseline,
        inference=inference,
        draws=draws,
        intervals=intervals,
        seed=seed,
        n_jobs=n_jobs,
        vary=vary,
        cluster_level=ds.geography.levels[0],
        notes=notes,
        said=said,
    )


def fit_table(
    table: pd.DataFrame,
    rhs: str,
    variables: list[str],
    *,
    link: str,
    baseline: str,
    inference: str,
    draws: int,
    intervals: bool,
    seed: int | np.random.Generator | None,
    cluster_level: str,
    n_jobs: int | None = None,
    vary: tuple[str, ...] = (),
    notes: dict,
    said: list[str],
    rows_are: str = "region-periods",
) -> EventHistoryModel:
    """Fit the model to a table at risk (``adopted, practice, period, cluster`` and the terms' columns).

    Shared by the unit model and the directed-dyad model (:mod:`diffusion.stats.dyadic`).
    """
    import formulaic

    check_choice("link", link, tuple(_LINKS))
    check_choice("baseline", baseline, BASELINES)
    check_choice("inference", inference, INFERENCE)
    if not isinstance(draws, int) or isinstance(draws, bool) or not 99 <= draws <= 1_000_000:
        raise ParameterError("draws", f"`draws` must be an integer from 99 to 1,000,000; got {draws!r}.")
    total = len(table)
    table = strata(table, baseline)
    notes[f"uninformative_{rows_are.replace('-', '_')}"] = total - len(table)
    if table.empty or table["adopted"].sum() < 5:
        raise ModelError(
            t(
                "{n} adoptions in practice-periods where some regions adopted and others did not; at least 5 are "
                "needed (use a coarser time unit, all practices, or a lower level)",
                n=int(table["adopted"].sum()) if len(table) else 0,
            )
        )
    if vary and baseline == "period":
        raise ParameterError(
            "vary", "a slope per practice needs a baseline per practice ('practice-period' or 'practice+period')."
        )
    used = set(formulaic.Formula(rhs).required_variables)
    variables = [*variables, *(c for c in _CATEGORIES if c in used)]
    keys = ["adopted", *variables, "stratum", "cluster", *(["period"] if baseline == "practice+period" else [])]
    keys += ["practice"] if vary and "practice" not in keys else []
    grouped = table.groupby(keys, observed=True, sort=True, as_index=False).size()
    x, names, absorbed, dropped = design_matrix(rhs, grouped)
    grouped, x, names, separated = leave_out_separated(grouped, x, names)
    notes.update(absorbed_by_baseline=absorbed, dropped_terms=dropped, separated_terms=separated)
    tested = [n for n in names if not n.startswith("C(period)")]
    if not tested:
        raise ModelError(
            t("no term of {formula!r} varies within the baseline's strata; nothing can be estimated", formula=rhs)
        )
    unknown = [v for v in vary if v not in names]
    if unknown:
        raise ParameterError("vary", f"{unknown[0]!r} is not a term of the model; its terms are {names}.")
    adoptions = int((grouped["adopted"] * grouped["size"]).sum())
    if adoptions < len(names) + 5:
        raise ModelError(t("{n} adoptions for {k} terms: too few; drop terms or add data", n=adoptions, k=len(names)))
    design = Design(
        grouped["adopted"].to_numpy(dtype=float),
        x,
        pd.factorize(grouped["stratum"])[0],
        pd.factorize(grouped["cluster"])[0],
        grouped["size"].to_numpy(dtype=float),
        names,
        _LINKS[link],
    )
    g = int(design.clusters.max()) + 1
    fit = design.fit()
    n = int(design.w.sum())
    factor = g / (g - 1) * (n - 1) / max(n - len(names) - fit.n_strata, 1)
    cr1 = np.sqrt(np.clip(np.diag(fit.cov), 0, None) * factor)
    check_separation(design, fit, cr1)
    coefficients = coefficient_table(
        design, inference, fit, cr1, tested, draws=draws, intervals=intervals, seed=seed, n_jobs=n_jobs
    )
    coefficients = coefficients[coefficients["term"].isin(tested)].reset_index(drop=True)
    if vary:
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        varies = heterogeneity_table(
            design, fit.eta, pd.factorize(grouped["practice"])[0], vary, webb_draws(g, draws, rng)
        )
        notes["heterogeneity"] = varies.to_dict("records")
    if link != "linear":
        for column, source in (("ratio", "estimate"), ("ratio_lower", "lower"), ("ratio_upper", "upper")):
            coefficients[column] = np.exp(coefficients[source])
    if g < 20:
        said.append(
            t(
                "Only {g} clusters: cluster-robust inference is approximate; the wild bootstrap is the safest choice.",
                g=g,
            )
        )
    if adoptions < EVENTS_PER_TERM * len(names):
        said.append(
            t(
                "{adoptions} adoptions for {terms} terms (fewer than {least} per term): estimates are unstable.",
                adoptions=adoptions,
                terms=len(names),
                least=EVENTS_PER_TERM,
            )
        )
    for message in said:
        warnings.warn(message, UserWarning, stacklevel=3)
    notes.update(baseline_strata=int(fit.n_strata), events_per_term=adoptions / len(names))
    return EventHistoryModel(
        coefficients=coefficients,
        formula=rhs,
        link=link,
        baseline=baseline,
        inference=_INFERENCE_NAMES[inference],
        clusters=g,
        cluster_level=cluster_level,
        region_periods=n,
        adoptions=adoptions,
        notes=notes,
        warnings=tuple(said),
        rows_are=rows_are,
    )


_INFERENCE_NAMES = {
    "wild": t("wild cluster score bootstrap (Webb weights), CR1 standard errors"),
    "jackknife": t("CR3 cluster jackknife, t on G - 1 df"),
    "sandwich": t("CR1 cluster sandwich, t on G - 1 df"),
}
