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

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

from diffusion.dataset import Dataset
from diffusion.inference import TestResult, unsupported
from diffusion.innovativeness import first_adoptions
from diffusion.summary import period_labels

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
    neighbours = {}
    if not geo.adjacency.empty and geo.neighbour_level == level:
        g = geo.neighbour_graph(level)
        neighbours = {u: sorted(g.neighbors(u)) for u in g.nodes}
    promo = ds.promotion_events
    top = geo.levels[0]
    rows = []
    for p, g in first.groupby("practice", sort=True):
        when = g.set_index("region")["period"]
        start = int(when.min())
        promo_dates = (
            []
            if promo is None
            else sorted(promo.loc[promo["practices"].str.split(";").apply(lambda tags, p=p: p in tags), "date"])
        )
        for r in regions:
            adopt = when.get(r)
            end = int(adopt) if adopt is not None else last
            nb = neighbours.get(r, [])
            for t in range(start, end + 1):
                earlier = sum(1 for n in nb if n in when.index and when[n] < t)
                rows.append(
                    {
                        "region": r,
                        "practice": p,
                        "period": t,
                        "adopted": int(adopt is not None and t == adopt),
                        "neighbour_share": earlier / len(nb) if nb else 0.0,
                        "promoted": int(any(d <= dates[t] for d in promo_dates)),
                        "macro_region": geo.macro_region(geo.ancestor_at(r, top) or r) or "none",
                        "cluster": geo.ancestor_at(r, top) or r,
                        "censored": int(adopt is None and t == last),
                    }
                )
    return pd.DataFrame(
        rows,
        columns=[
            "region",
            "practice",
            "period",
            "adopted",
            "neighbour_share",
            "promoted",
            "macro_region",
            "cluster",
            "censored",
        ],
    )


def event_history_test(
    ds: Dataset,
    *,
    level: str | None = None,
    practice: str | None = None,
    link: str = "logit",
    seed: int | None = None,
    **_: object,
) -> TestResult:
    """Fit the discrete-time model; the reported statistic and p-value are the neighbour-share term's.

    Terms whose column does not vary (e.g. promotion when no event falls inside the data) are
    dropped, and so said in ``details``. The coefficient table is ``details["coefficients"]``.
    """
    name = "event-history"
    model_name = f"discrete-time {link} with standard errors clustered by top-level unit"
    if link not in ("logit", "cloglog"):
        raise ValueError(f"The value for `link` must be 'logit' or 'cloglog', but {link!r} was passed.")
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
    terms, dropped = [], []
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
    family = sm.families.Binomial(link=sm.families.links.Logit() if link == "logit" else sm.families.links.CLogLog())
    formula = "adopted ~ " + " + ".join(terms)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        try:
            fit = smf.glm(formula, data=pp, family=family).fit(
                cov_type="cluster", cov_kwds={"groups": pd.factorize(pp["cluster"])[0]}
            )
        except (PerfectSeparationWarning, np.linalg.LinAlgError, ValueError) as exc:
            return unsupported(
                name, QUESTION, f"the model cannot be estimated on these data ({exc})", null_model=model_name
            )
    ci = fit.conf_int()
    coefs = pd.DataFrame(
        {
            "term": fit.params.index,
            "estimate": fit.params.to_numpy(),
            "se": fit.bse.to_numpy(),
            "z": fit.tvalues.to_numpy(),
            "p_value": fit.pvalues.to_numpy(),
            "lower": ci[0].to_numpy(),
            "upper": ci[1].to_numpy(),
        }
    )
    b = float(fit.params["neighbour_share"])
    p = float(fit.pvalues["neighbour_share"])
    scale = "odds" if link == "logit" else "hazard"
    text = (
        f"Going from no neighbour to all neighbours having adopted multiplies the {scale} of adoption by "
        f"{np.exp(b):.2f} (coefficient {b:+.2f}; p = {p:.3g}, standard errors clustered by "
        f"{ds.geography.levels[0]}) over {len(pp)} region-periods and {int(pp['adopted'].sum())} adoptions."
    )
    if "promoted" in terms:
        text += f" Promotion: coefficient {fit.params['promoted']:+.2f} (p = {fit.pvalues['promoted']:.3g})."
    return TestResult(
        name=name,
        question=QUESTION,
        statistic=b,
        p_value=p,
        null_distribution=np.empty(0),
        effect_size=b,
        effect_ci=(float(ci.loc["neighbour_share", 0]), float(ci.loc["neighbour_share", 1])),
        n_permutations=0,
        alternative="two-sided",
        seed=seed,
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
