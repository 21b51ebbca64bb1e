"""Discrete-time event history of adoption: the person-period table and its regression.

Each region of the level is at risk of adopting a practice from the practice's first period
until it adopts (the row of that period has ``adopted = 1`` and the region leaves the risk set)
or the data end (censored: all its rows have ``adopted = 0``). Regions that never adopt stay in
the table. The model is a logit or complementary log-log of adoption on the share of neighbours
that adopted earlier, a promotion indicator, macro-region and period terms, with standard errors
clustered by top-level unit (statsmodels GLM).
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from diffusion.checks import check_choice
from diffusion.data.dataset import Dataset
from diffusion.data.periods import period_labels
from diffusion.measures.innovativeness import first_adoptions
from diffusion.stats.inference import TestResult, unsupported

__all__ = ["event_history_test", "person_period"]

QUESTION = (
    "Do regions adopt sooner when more of their neighbours already adopted (endogenous learning), "
    "and after central promotion (top-down)?"
)


def person_period(ds: Dataset, level: str | None = None, practice: str | None = None) -> pd.DataFrame:
    """One row per region, practice and period at risk.

    Columns: ``region, practice, period, adopted`` (0/1), ``neighbour_share`` (share of the
    region's neighbours that adopted the practice in an earlier period; 0 without neighbours),
    ``promoted`` (1 once a central promotion event of the practice is dated on or before the
    period), ``macro_region``, ``cluster`` (top-level unit) and ``censored`` (1 on the last row
    of a region that never adopted).

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> pp = person_period(load_dataset("broadband-china"), practice="broadband_china")
    >>> int(pp["adopted"].sum()), int(pp.groupby("region")["period"].size().max())
    (31, 3)
    """
    geo = ds.geography
    level = level or geo.levels[0]
    first = first_adoptions(ds, level)
    if practice is not None:
        first = first[first["practice"] == practice]
    calendar = period_labels(ds)
    dates = calendar.set_index("period")["date"]
    last = int(calendar["period"].max())
    regions = geo.level_units(level).index
    n = len(regions)
    ties = ds.influence_ties(level)
    src = dst = np.empty(0, dtype=int)
    active = np.ones((0, last), dtype=bool)
    if ties is not None:
        src, dst = ties.looker, ties.influencer
        active = ties.active(calendar.sort_values("period")["date"].astype(str).tolist())
    # Ties active in each period (columns 1..last), and so each unit's degree in each period.
    degree = np.zeros((n, last + 1))
    np.add.at(degree, (src[:, None], np.arange(1, last + 1)[None, :]), active)
    top = geo.levels[0]
    # Categories keep tens of millions of region-periods (every county x practice x period) small.
    cluster_of = [geo.ancestor_at(r, top) or r for r in regions]
    cluster, clusters = pd.factorize(pd.Series(cluster_of), sort=True)
    macro, macros = pd.factorize(pd.Series([geo.macro_region(c) or "none" for c in cluster_of]), sort=True)
    promo = ds.promotion_events
    parts = []
    practices = sorted(first["practice"].unique())
    for k, (p, g) in enumerate(first.groupby("practice", sort=True)):
        when = np.full(n, np.inf)
        when[regions.get_indexer(g["region"])] = g["period"].to_numpy()
        at_risk = np.arange(int(g["period"].min()), last + 1)
        # Neighbours that adopted strictly before each period, over the ties active in that period.
        before = (when[dst][:, None] < at_risk[None, :]) & active[:, at_risk - 1]
        earlier = np.zeros((n, len(at_risk)))
        np.add.at(earlier, src, before)
        deg = degree[:, at_risk]
        share = np.divide(earlier, deg, out=np.zeros_like(earlier), where=deg > 0)
        end = np.where(np.isfinite(when), when, last)
        row, col = np.nonzero(at_risk[None, :] <= end[:, None])  # region by region, periods in order
        t = at_risk[col]
        promo_dates = (
            []
            if promo is None
            else sorted(promo.loc[promo["practices"].str.split(";").apply(lambda tags, p=p: p in tags), "date"])
        )
        promoted = np.array([any(d <= dates[u] for d in promo_dates) for u in at_risk], dtype=int)
        parts.append(
            pd.DataFrame(
                {
                    "region": pd.Categorical.from_codes(row, categories=regions),
                    "practice": pd.Categorical.from_codes(np.full(len(row), k), categories=practices),
                    "period": t,
                    "adopted": (when[row] == t).astype(int),
                    "neighbour_share": share[row, col],
                    "promoted": promoted[col],
                    "macro_region": pd.Categorical.from_codes(macro[row], categories=macros),
                    "cluster": pd.Categorical.from_codes(cluster[row], categories=clusters),
                    "censored": (~np.isfinite(when[row]) & (t == last)).astype(int),
                }
            )
        )
    columns = ["region", "practice", "period", "adopted", "neighbour_share", "promoted", "macro_region", "cluster"]
    if not parts:
        return pd.DataFrame(columns=[*columns, "censored"])
    return pd.concat(parts, ignore_index=True)


def event_history_test(
    ds: Dataset,
    *,
    level: str | None = None,
    practice: str | None = None,
    link: Literal["logit", "cloglog"] = "logit",
) -> TestResult:
    """Fit the discrete-time model; the reported statistic and p-value are the neighbour-share term's.

    Terms whose column does not vary (e.g. promotion when no event falls inside the data) are
    dropped, and so said in ``details``. The coefficient table is ``details["coefficients"]``.
    """
    name = "event-history"
    model_name = f"discrete-time {link} with standard errors clustered by top-level unit"
    check_choice("link", link, ("logit", "cloglog"))
    pp = person_period(ds, level, practice)
    if pp.empty or pp["adopted"].sum() < 5 or pp["period"].nunique() < 2:
        return unsupported(
            name,
            QUESTION,
            f"{int(pp['adopted'].sum()) if len(pp) else 0} adoptions over "
            f"{pp['period'].nunique() if len(pp) else 0} period(s) at risk; at least 5 adoptions "
            "over 2 periods are needed",
            null_model=model_name,
        )
    terms: list[str] = []
    dropped: list[str] = []
    for term, column in (
        ("neighbour_share", "neighbour_share"),
        ("promoted", "promoted"),
        ("C(macro_region)", "macro_region"),
        ("C(period)", "period"),
    ):
        (terms if pp[column].nunique() > 1 else dropped).append(term)
    if "neighbour_share" not in terms:
        return unsupported(
            name,
            QUESTION,
            "no region had a neighbour adopt before it (the neighbour share never "
            "varies), so its effect cannot be estimated",
            null_model=model_name,
        )
    import statsmodels.api as sm  # loaded by the model fit only: a second of start-up
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    family = sm.families.Binomial(link=sm.families.links.Logit() if link == "logit" else sm.families.links.CLogLog())
    formula = "adopted ~ " + " + ".join(terms)
    try:
        coefs = _fit(pp, formula, family)
    except (PerfectSeparationWarning, np.linalg.LinAlgError, ValueError) as exc:
        return unsupported(
            name, QUESTION, f"the model cannot be estimated on these data ({exc})", null_model=model_name
        )
    est = coefs.set_index("term")
    b = float(est.at["neighbour_share", "estimate"])
    p = float(est.at["neighbour_share", "p_value"])
    scale = "odds" if link == "logit" else "hazard"
    text = (
        f"Going from no neighbour to all neighbours having adopted multiplies the {scale} of adoption by "
        f"{np.exp(b):.2f} (coefficient {b:+.2f}; p = {p:.3g}, standard errors clustered by "
        f"{ds.geography.levels[0]}) over {len(pp)} region-periods and {int(pp['adopted'].sum())} adoptions."
    )
    if "promoted" in terms:
        text += (
            f" Promotion: coefficient {est.at['promoted', 'estimate']:+.2f} (p = {est.at['promoted', 'p_value']:.3g})."
        )
    return TestResult(
        name=name,
        question=QUESTION,
        statistic=b,
        p_value=p,
        null_distribution=np.empty(0),
        effect_size=b,
        effect_ci=(float(est.at["neighbour_share", "lower"]), float(est.at["neighbour_share", "upper"])),
        n_permutations=0,
        alternative="two-sided",
        seed=None,
        null_model=model_name,
        interpretation=text,
        details={
            "coefficients": coefs.to_dict("records"),
            "dropped_terms": dropped,
            "formula": formula,
            "region_periods": len(pp),
            "adoptions": int(pp["adopted"].sum()),
            "censored_regions": int(pp["censored"].sum()),
        },
    )


def _fit(pp: pd.DataFrame, formula: str, family) -> pd.DataFrame:
    """Coefficients of the GLM with standard errors clustered by top-level unit.

    Region-periods that share every covariate, the outcome and the cluster are fitted once with
    their count as frequency weight: the same likelihood and the same cluster score sums as the
    full table, so the same estimates, from thousands of rows instead of millions. statsmodels'
    small-sample factor would count the grouped rows, so it is applied here with the true number
    of region-periods: G / (G - 1) x (N - 1) / (N - K).
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf
    from scipy import stats
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    keys = ["adopted", "neighbour_share", "promoted", "macro_region", "period", "cluster"]
    grouped = pp.groupby(keys, observed=True, sort=True, as_index=False).size()
    clusters = pd.factorize(grouped["cluster"])[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.filterwarnings("ignore", message="cov_type not fully supported with freq_weights")
        model = smf.glm(formula, data=grouped, family=family, freq_weights=grouped["size"].to_numpy())
        # IRLS can run away on the complementary log-log link (huge coefficients, a deviance far
        # above the logit's); Newton steps on the likelihood do not.
        method = "newton" if isinstance(family.link, sm.families.links.CLogLog) else "irls"
        fit = model.fit(method=method, cov_type="cluster", cov_kwds={"groups": clusters, "use_correction": False})
    if not np.isfinite(fit.params).all() or np.abs(fit.params).max() > 100:
        raise ValueError("the fit did not converge to finite coefficients (a term separates adopters)")
    n, k, g = int(grouped["size"].sum()), len(fit.params), clusters.max() + 1
    se = np.sqrt(np.diag(fit.cov_params().to_numpy()) * g / (g - 1) * (n - 1) / (n - k))
    z = fit.params.to_numpy() / se
    half = stats.norm.ppf(0.975) * se
    return pd.DataFrame(
        {
            "term": fit.params.index,
            "estimate": fit.params.to_numpy(),
            "se": se,
            "z": z,
            "p_value": 2 * stats.norm.sf(np.abs(z)),
            "lower": fit.params.to_numpy() - half,
            "upper": fit.params.to_numpy() + half,
        }
    )
