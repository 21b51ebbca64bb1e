"""Fitting the event-history model and its inference: the fit within strata, separation checks,
the wild cluster score bootstrap, the cluster jackknife and the sandwich."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from tqdm.auto import tqdm

from diffusion.errors import DiffusionError
from diffusion.i18n import t
from diffusion.stats.fe_glm import FEFit, fit_fe_binomial
from diffusion.stats.inference import joblib_workers
from diffusion.stats.model_design import both_outcomes
from diffusion.stats.wild_bootstrap import score_bound, score_test, webb_draws

__all__ = ["PARALLEL_ROWS", "Design", "ModelError", "check_separation", "coefficient_table"]

#: Rows of the grouped table from which the wild bootstrap's restricted fits run in worker processes.
PARALLEL_ROWS = 100_000


class ModelError(DiffusionError):
    """The data cannot support the model as asked (too few events, separation, no variation)."""


@dataclass(frozen=True)
class Design:
    """The grouped model: outcome, terms, strata, clusters and frequency weights of each row."""

    y: np.ndarray
    x: np.ndarray
    strata: np.ndarray
    clusters: np.ndarray
    w: np.ndarray
    names: list[str]
    link: str  # as fit_fe_binomial names it

    def fit(self) -> FEFit:
        return fit_fe_binomial(self.y, self.x, self.strata, self.clusters, link=self.link, weights=self.w)


def check_separation(design: Design, fit: FEFit, se: np.ndarray) -> None:
    """A term (or a combination of terms) that separates adopters from the others is an error.

    Signs: an estimate running off (|b| > 50), a standard error that is not positive, or fitted
    probabilities of 0 or 1 (below 1e-8 from either end) in strata that hold both outcomes —
    where a finite model cannot put them.
    """
    params = fit.params
    bad = ~np.isfinite(params) | (np.abs(params) > 50) | ~(se > 0)
    if design.link != "identity" and not bad.any():
        from scipy import special

        mu = special.expit(fit.eta) if design.link == "logit" else -np.expm1(-np.exp(np.clip(fit.eta, -700, 700)))
        if ((mu < 1e-8) | (mu > 1 - 1e-8)).any():
            spread = np.abs(np.nan_to_num(params)) * design.x.std(axis=0)  # each term's reach on the scale of eta
            bad = spread >= spread.max()
    if bad.any():
        worst = [n for n, b in zip(design.names, bad) if b]
        raise ModelError(
            t(
                "the term {term!r} separates adopters from the others (its estimate runs off to infinity, alone or "
                "with other terms); drop it or a term that repeats it, or merge categories",
                term=worst[0],
            )
        )


def coefficient_table(
    design: Design,
    inference: str,
    fit: FEFit,
    cr1: np.ndarray,
    tested: list[str],
    *,
    draws: int,
    intervals: bool,
    seed: int | np.random.Generator | None,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """The coefficient table: p-values and intervals by the chosen inference.

    The wild bootstrap's tests and interval bounds run in ``n_jobs`` worker processes on tables of
    :data:`PARALLEL_ROWS` rows or more (by default one per core, or the user's
    ``joblib.parallel_config``), with a progress bar on terminals.
    """
    from scipy import stats

    params = fit.params
    g = int(design.clusters.max()) + 1
    se = np.sqrt(np.diag(_jackknife(design))) if inference == "jackknife" else cr1
    statistic = params / se
    half = stats.t.ppf(0.975, g - 1) * se
    table = pd.DataFrame(
        {
            "term": design.names,
            "estimate": params,
            "se": se,
            "statistic": statistic,
            "p_value": 2 * stats.t.sf(np.abs(statistic), g - 1),
            "lower": params - half,
            "upper": params + half,
        }
    )
    if inference != "wild":
        return table
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    multipliers = webb_draws(g, draws, rng)
    model = (design.y, design.x, design.strata, design.clusters)
    options = {"link": design.link, "weights": design.w}
    jobs = []  # each term's test (one restricted fit), and each of its bounds (about 9)
    for j, name in enumerate(design.names):
        if name in tested:
            start = (fit.alpha, np.delete(params, j))  # the restricted fits start from the full one
            jobs.append(delayed(score_test)(*model, j, 0.0, multipliers, start=start, **options))
            for sign in (-1.0, 1.0) if intervals else ():
                jobs.append(
                    delayed(score_bound)(*model, j, params[j], se[j], multipliers, sign, start=start, **options)
                )
    # Processes pay off only on large tables (a worker starts in about a second); results do not
    # depend on how jobs are shared out.
    large = len(design.y) >= PARALLEL_ROWS
    workers = joblib_workers(n_jobs, len(jobs), prefer="processes") if large else {"n_jobs": 1}
    show = (large and sys.stderr.isatty()) if progress is None else progress
    done = Parallel(return_as="generator", **workers)(jobs)
    results = iter(tqdm(done, total=len(jobs), disable=not show, desc="wild bootstrap", unit="test", leave=False))
    for j, name in enumerate(design.names):
        if name in tested:
            table.loc[j, ["statistic", "p_value"]] = next(results)
            table.loc[j, ["lower", "upper"]] = (next(results), next(results)) if intervals else (np.nan, np.nan)
    return table


def _jackknife(design: Design) -> np.ndarray:
    """(G - 1)/G Σ_g (b_-g - b̄)(b_-g - b̄)' over refits leaving out each cluster (CR3)."""
    estimates = []
    y, w, strata = design.y, design.w, design.strata
    for c in range(int(design.clusters.max()) + 1):
        keep = np.flatnonzero(design.clusters != c)
        rows = keep[both_outcomes(y[keep], w[keep], strata[keep])]
        fit = fit_fe_binomial(
            y[rows],
            design.x[rows],
            pd.factorize(strata[rows])[0],
            np.zeros(len(rows), dtype=int),
            link=design.link,
            weights=w[rows],
        )
        if not np.isfinite(fit.params).all() or np.abs(fit.params).max() > 50:
            raise ModelError(
                t(
                    "the model cannot be refitted without cluster {c} (a term loses its variation); use inference "
                    "'wild'",
                    c=c + 1,
                )
            )
        estimates.append(fit.params)
    b = np.array(estimates)
    centred = b - b.mean(axis=0)
    return (len(b) - 1) / len(b) * centred.T @ centred
