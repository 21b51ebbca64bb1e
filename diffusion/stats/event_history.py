"""Discrete-time event history of adoption: the person-period table, and the model as a test.

Each region of the level is at risk of adopting a practice from the practice's first period
until it adopts (the row of that period has ``adopted = 1`` and the region leaves the risk set)
or the data end (censored: all its rows have ``adopted = 0``). Regions that never adopt stay in
the table. The columns are the channels by which the practice could have reached the region
(:mod:`diffusion.stats.channels`); the model over them is in :mod:`diffusion.stats.event_model`.

Why a practice-by-period baseline by default: practices differ in how fast and when they spread
(a practice promoted nationwide in one year, another taken up slowly). With one baseline for all
practices, the neighbour share picks up those differences — regions of a fast practice have more
adopting neighbours *and* adopt sooner — and "contagion" was found in 21 % to 77 % of datasets
with none. Within a practice and period, only who adopts is compared. Region-periods of a
practice and period in which every region, or none, adopted tell nothing beyond the baseline and
are left out of the fit (as in a conditional logit); terms constant within each practice and
period (a dated promotion of the practice) are absorbed by the baseline, and so said.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from diffusion.checks import check_choice
from diffusion.data.calendar import period_of
from diffusion.data.dataset import Dataset
from diffusion.data.periods import calendar_of, period_labels
from diffusion.errors import ParameterError
from diffusion.i18n import joined, level_name, t
from diffusion.stats.channels import CHANNELS, channel_columns, hierarchy_times, row_sums
from diffusion.stats.event_model import DEFAULT_FORMULA, ModelError, fit_event_history
from diffusion.stats.inference import TestResult, unsupported

__all__ = ["event_history_test", "person_period"]

QUESTION = t(
    "Do regions adopt sooner when more of their neighbours already adopted (endogenous learning), "
    "and after central promotion (top-down)?"
)


def published_periods(ds: Dataset) -> dict[str, set[int]]:
    """Each practice's periods in which a series that carries it published (a batch, or an adoption).

    A period in which no list of the practice came out is not a period at risk for it: nobody
    could be seen adopting then (with yearly periods, the years between batches).
    """
    calendar = calendar_of(ds)  # it knows the time unit, which places a batch date in its period
    ev = ds.events[ds.events["time_known"]]
    by_series = ev.groupby("series")["period"].agg(lambda s: set(s.astype(int)))
    periods = {s: set(v) for s, v in by_series.items()}
    for s, d in ds.batches[["series", "date"]].itertuples(index=False):
        period = period_of(calendar, d) if d else None
        if period is not None:
            periods.setdefault(s, set()).add(period)
    out: dict[str, set[int]] = {}
    for practice, series in ev.groupby("practice")["series"]:
        out[practice] = set().union(*(periods.get(s, set()) for s in series.unique()))
    return out


def person_period(
    ds: Dataset,
    level: str | None = None,
    practice: str | None = None,
    *,
    outcome: Literal["within", "own"] = "within",
    channels: tuple[str, ...] = (),
) -> pd.DataFrame:
    """One row per region, practice and period at risk.

    Columns: ``region, practice, period, adopted`` (0/1), ``neighbour_share`` (share of the
    region's neighbours that adopted the practice in an earlier period; 0 without neighbours),
    ``promoted`` (1 once a central promotion event of the practice is dated on or before the
    period), ``macro_region``, ``cluster`` (top-level unit) and ``censored`` (1 on the last row
    of a region that never adopted), and a column for each of ``channels``
    (:data:`diffusion.stats.channels.CHANNELS`).

    ``outcome="within"`` (default): a region adopts with the first case at it or inside it (a
    province with its first county). ``"own"``: only with a case at the region itself, so that
    cases inside it can come first (the bottom-up channel).

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> pp = person_period(load_dataset("broadband-china"), practice="broadband_china")
    >>> int(pp["adopted"].sum()), int(pp.groupby("region")["period"].size().max())
    (31, 3)
    """
    check_choice("outcome", outcome, ("within", "own"))
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise ParameterError("channels", f"no channel {unknown[0]!r}; the channels are {sorted(CHANNELS)}.")
    geo = ds.geography
    level = level or geo.levels[0]
    calendar = period_labels(ds)
    dates = calendar.set_index("period")["date"]
    last = int(calendar["period"].max())
    regions = geo.level_units(level).index
    hierarchy = hierarchy_times(ds, level, regions, last)
    n = len(regions)
    ties = ds.influence_ties(level)
    src = dst = np.empty(0, dtype=int)
    active = np.ones((0, last), dtype=bool)
    if ties is not None:
        src, dst = ties.looker, ties.influencer
        active = ties.active(calendar.sort_values("period")["date"].astype(str).tolist())
    # Ties active in each period (columns 1..last), and so each unit's degree in each period.
    degree = np.zeros((n, last + 1))
    degree[:, 1:] = row_sums(src, active, n)
    top = geo.levels[0]
    cluster_of = [geo.ancestor_at(r, top) or r for r in regions]
    cluster, clusters = pd.factorize(pd.Series(cluster_of), sort=True)
    macro, macros = pd.factorize(pd.Series([geo.macro_region(c) or "none" for c in cluster_of]), sort=True)
    promo = ds.promotion_events
    times = hierarchy.own if outcome == "own" else {p: hierarchy.within(p) for p in hierarchy.own}
    practices = sorted(p for p, w in times.items() if np.isfinite(w).any() and practice in (None, p))
    published = published_periods(ds)
    extra_names = tuple(c for c in channels if c not in ("neighbour_share", "promoted"))
    columns: dict[str, list[np.ndarray]] = {}
    for k, p in enumerate(practices):
        when = times[p]
        # At risk from the first adoption on, in the periods in which a series carrying it published.
        at_risk = np.array([u for u in range(int(when.min()), last + 1) if u in published[p]], dtype=int)
        # Neighbours that adopted strictly before each period, over the ties active in that period.
        earlier = row_sums(src, (when[dst][:, None] < at_risk[None, :]) & active[:, at_risk - 1], n)
        deg = degree[:, at_risk]
        share = np.divide(earlier, deg, out=np.zeros_like(earlier), where=deg > 0)
        end = np.where(np.isfinite(when), when, at_risk[-1])
        row, col = np.nonzero(at_risk[None, :] <= end[:, None])  # region by region, periods in order
        period = at_risk[col]
        promo_dates = (
            []
            if promo is None
            else sorted(promo.loc[promo["practices"].str.split(";").apply(lambda tags, p=p: p in tags), "date"])
        )
        promoted = np.array([any(d <= dates[u] for d in promo_dates) for u in at_risk], dtype=int)
        extra = channel_columns(extra_names, p, hierarchy, when, at_risk, row, col, earlier, share)
        part = {
            "region": row,
            "practice": np.full(len(row), k),
            "period": period,
            "adopted": (when[row] == period).astype(int),
            "neighbour_share": share[row, col],
            "promoted": promoted[col],
            "censored": (~np.isfinite(when[row]) & (period == at_risk[-1])).astype(int),
            **extra,
        }
        for name, values in part.items():
            columns.setdefault(name, []).append(values)
    order = ["region", "practice", "period", "adopted", "neighbour_share", "promoted", "macro_region", "cluster"]
    if not practices:
        return pd.DataFrame(columns=[*order, "censored", *(c for c in channels if c not in order)])
    joined = {name: np.concatenate(parts) for name, parts in columns.items()}
    # Categories keep tens of millions of region-periods (every county x practice x period) small.
    region = joined.pop("region")
    table = {
        "region": pd.Categorical.from_codes(region, categories=regions),
        "practice": pd.Categorical.from_codes(joined.pop("practice"), categories=practices),
        "period": joined.pop("period"),
        "adopted": joined.pop("adopted"),
        "neighbour_share": joined.pop("neighbour_share"),
        "promoted": joined.pop("promoted"),
        "macro_region": pd.Categorical.from_codes(macro[region], categories=macros),
        "cluster": pd.Categorical.from_codes(cluster[region], categories=clusters),
        **joined,
    }
    return pd.DataFrame(table)


def event_history_test(
    ds: Dataset,
    *,
    level: str | None = None,
    practice: str | None = None,
    formula: str = DEFAULT_FORMULA,
    covariate_terms: tuple[str, ...] = (),
    outcome: Literal["within", "own"] = "within",
    link: Literal["logit", "cloglog", "linear"] = "logit",
    baseline: Literal["practice-period", "practice+period", "period"] = "practice-period",
    inference: Literal["wild", "jackknife", "sandwich"] = "wild",
    draws: int = 9999,
    seed: int = 0,
) -> TestResult:
    """The event-history model (:func:`diffusion.stats.event_model.fit_event_history`) as a test.

    The statistic and p-value are those of the formula's first channel term (by default the
    neighbour share); every term is in ``details["coefficients"]``. ``covariate_terms`` adds
    unit covariates to the formula (lagged one year; see
    :func:`diffusion.stats.covariate_terms.add_covariates`).

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> r = event_history_test(load_dataset("broadband-china"), formula="neighbour_share", draws=999)
    >>> r.supported, r.details["clusters"], r.details["inference"].startswith("wild")
    (True, 31, True)
    """
    name = "event-history"
    rhs = " + ".join([formula.split("~")[-1].strip() or DEFAULT_FORMULA, *covariate_terms])
    model_name = t(
        "discrete-time {link} model over a {baseline} baseline; inference: {inference} (clustered by top-level unit)",
        link=link,
        baseline=baseline.replace("-", " x "),
        inference=inference,
    )
    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            model = fit_event_history(
                ds,
                rhs,
                level=level,
                practice=practice,
                outcome=outcome,
                link=link,
                baseline=baseline,
                inference=inference,
                draws=draws,
                seed=seed,
            )
    except ModelError as exc:
        return unsupported(name, QUESTION, exc.args[0], null_model=model_name)  # a message: in the report's language
    table = model.coefficients
    channels = [term for term in table["term"] if term in CHANNELS]
    head = model.term(channels[0] if channels else table["term"].iloc[0])
    text = joined(
        t(
            "Over {rows} region-periods and {adoptions} adoptions, compared within each {within} ({clusters} {level} "
            "clusters):",
            rows=model.region_periods,
            adoptions=model.adoptions,
            within={
                "practice-period": t("practice and period"),
                "practice+period": t("practice and each period"),
                "period": t("period"),
            }[baseline],
            clusters=model.clusters,
            level=level_name(model.cluster_level),
        ),
        *(model.describe(term) for term in table["term"]),
        *model.warnings,
    )
    return TestResult(
        name=name,
        question=QUESTION,
        statistic=float(head["estimate"]),
        p_value=float(head["p_value"]),
        null_distribution=np.empty(0),
        effect_size=float(head["estimate"]),
        effect_ci=(float(head["lower"]), float(head["upper"])),
        n_permutations=draws if inference == "wild" else 0,
        alternative="two-sided",
        seed=seed if inference == "wild" else None,
        null_model=model_name,
        interpretation=text,
        details={
            "coefficients": table.to_dict("records"),
            "term": head["term"],
            "formula": model.formula,
            "baseline": baseline,
            "link": link,
            "inference": model.inference,
            "clusters": model.clusters,
            "region_periods": model.region_periods,
            "adoptions": model.adoptions,
            "warnings": list(model.warnings),
            **model.notes,
        },
    )
