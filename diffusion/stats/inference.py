"""One permutation engine for every hypothesis test.

A test supplies the observed statistic and a *batch* function that, given a seeded
``numpy.random.Generator`` and a number of draws, returns the statistic of that many datasets
drawn from its null model, computed in one vectorised step. The engine splits the
``n_permutations`` draws into chunks, gives each chunk its own child seed
(``SeedSequence(seed).spawn``), runs the chunks through joblib, and shows a progress bar on long
runs. Because each chunk's stream depends only on the seed and the chunk's index, the null
distribution is the same for any number of workers and any joblib backend:
``with joblib.parallel_config(backend="dask"): ...`` runs it on a Dask cluster unchanged.

p-values follow Phipson & Smyth (2010): p = (b + 1) / (R + 1), where b counts null statistics
at least as extreme as the observed one; two-sided p = min(1, 2 min(p_greater, p_less)). A coarse
statistic (few adoptions, few periods) ties often, and counting ties as extreme makes the test
conservative; every result therefore also carries the mid-p (ties, the observed value among
them, count one half: Lancaster 1961) and the *attained size*, the share of the null draws that
would themselves be rejected at alpha = 0.05. Under the permutation null the observed statistic
is exchangeable with the draws, so that share estimates the test's false-positive rate at this
very data, without another simulation.
"""

from __future__ import annotations

import sys
import time
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import joblib
import numpy as np
from tqdm.auto import tqdm

from diffusion.checks import Seed, check_choice, check_draws, resolve_seed
from diffusion.display import Card, Summarised
from diffusion.i18n import joined, t

if typing.TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ALTERNATIVES",
    "WORKER_START",
    "Alternative",
    "TestResult",
    "attained_size",
    "joblib_workers",
    "mid_p_value",
    "p_value",
    "permutation_options",
    "permutation_test",
    "unsupported",
]

Alternative = Literal["greater", "less", "two-sided"]
ALTERNATIVES: tuple[str, ...] = typing.get_args(Alternative)
CHUNK = 250  # draws per chunk: four chunks at R = 999 keep two to four cores busy
#: Estimated seconds of work above which worker processes pay: starting them (a Python with numpy,
#: pandas and igraph each) costs about 2 s, so below this they would not.
WORKER_START = 4.0
#: Seconds of draws left after the first chunk above which a permutation test's default workers
#: pay. Threads: below this, two threads taking the GIL in turn cost a third more CPU than one and
#: finish no sooner (the bundled reports' tests: 6.0 s against 4.5 s of CPU).
WORTH_WORKERS = {"threads": 1.0, "processes": WORKER_START}


def permutation_options(n_permutations: int, alternative: str, seed: Seed) -> dict:
    """The checked options of a permutation test, its seed resolved to the int that reproduces it.

    Tests call this on entry, so that a bad value is refused even where the data then cannot
    support the test.

    Examples
    --------
    >>> permutation_options(99, "less", 3)
    {'n_permutations': 99, 'alternative': 'less', 'seed': 3}
    """
    return {
        "n_permutations": check_draws("n_permutations", n_permutations),
        "alternative": check_choice("alternative", alternative, ALTERNATIVES),
        "seed": resolve_seed(seed),
    }


@dataclass(frozen=True, eq=False, repr=False)
class TestResult(Summarised):
    """The outcome of a hypothesis test.

    Attributes
    ----------
    name, question : str
        Which test, and the question it answers in plain words.
    statistic : float
        The observed statistic.
    p_value : float
        Permutation p-value (NaN when the data cannot support the test: see ``reason``).
    null_distribution : numpy.ndarray
        The statistic under each permutation of the null model.
    effect_size : float
        Observed minus the mean of the null: the excess over chance, in the statistic's units.
    effect_ci : tuple of float
        95 % interval of the excess: observed minus the null's 97.5 % and 2.5 % quantiles.
    n_permutations, alternative, seed, null_model
        How the p-value was obtained.
    interpretation : str
        One or two plain-language sentences.
    p_value_mid : float
        Mid-p: ties with the observed value count one half (less conservative on coarse statistics).
    attained_size, attained_size_mid : float
        Share of the null draws that the p-value (the mid-p) would reject at alpha = 0.05: the
        test's false-positive rate at this data (0.05 for a fine statistic; less when ties are many).
    supported : bool
        False when the data cannot support the test; ``reason`` says why.
    details : dict
        Test-specific tables (pairwise comparisons, per-pair results, coefficients ...).
    """

    name: str
    question: str
    statistic: float
    p_value: float
    null_distribution: np.ndarray
    effect_size: float
    effect_ci: tuple[float, float]
    n_permutations: int
    alternative: str
    seed: int | None
    null_model: str
    interpretation: str
    p_value_mid: float = float("nan")
    attained_size: float = float("nan")
    attained_size_mid: float = float("nan")
    supported: bool = True
    reason: str = ""
    details: dict = field(default_factory=dict)

    def card(self) -> Card:
        """Its summary (``repr`` and a notebook's display): the numbers, the null model, what they mean."""
        facts: tuple[tuple[str, object], ...] = (("not tested", self.reason),)
        if self.supported:
            facts = (("statistic", f"{self.statistic:.4g}"), ("p", f"{self.p_value:.3g}"))
            facts += (("mid-p", f"{self.p_value_mid:.3g}"), ("null model", self.null_model))
        return Card(f"TestResult {self.name!r}", facts, (self.question, self.interpretation))

    def plot(self, ax=None):
        """Its null distribution with the observed statistic, on ``ax`` (see :mod:`diffusion.plot`)."""
        from diffusion.plot import null_distribution

        return null_distribution(self, ax=ax)

    def to_frame(self) -> pd.DataFrame:
        """The result as a one-row table (:meth:`to_dict` without its test-specific tables).

        Examples
        --------
        >>> from diffusion import load_dataset
        >>> from diffusion.stats import gradient_test
        >>> gradient_test(load_dataset("broadband-china"), n_permutations=99).to_frame().columns.tolist()[:4]
        ['name', 'question', 'supported', 'reason']
        """
        import pandas as pd

        row = {k: v for k, v in self.to_dict().items() if k not in ("details", "null_quantiles", "effect_ci")}
        lower, upper = self.effect_ci
        return pd.DataFrame([row | {"effect_lower": lower, "effect_upper": upper}])

    def to_dict(self) -> dict:
        """JSON-serialisable summary (the null distribution summarised by its quantiles)."""
        null = self.null_distribution
        summary = {q: float(np.quantile(null, q)) for q in (0.025, 0.5, 0.975)} if len(null) else {}
        out = {
            "name": self.name,
            "question": self.question,
            "supported": self.supported,
            "reason": self.reason,
            "statistic": _num(self.statistic),
            "p_value": _num(self.p_value),
            "p_value_mid": _num(self.p_value_mid),
            "attained_size": _num(self.attained_size),
            "attained_size_mid": _num(self.attained_size_mid),
            "effect_size": _num(self.effect_size),
            "effect_ci": [_num(v) for v in self.effect_ci],
            "n_permutations": self.n_permutations,
            "alternative": self.alternative,
            "seed": self.seed,
            "null_model": self.null_model,
            "null_quantiles": {str(k): v for k, v in summary.items()},
            "interpretation": self.interpretation,
            "details": self.details,
        }
        return out


def _num(x) -> float | None:
    x = float(x)
    return None if np.isnan(x) else x


def unsupported(
    name: str,
    question: str,
    reason: str,
    *,
    null_model: str = "",
    seed: int | None = None,
    n_permutations: int = 0,
    alternative: str = "greater",
) -> TestResult:
    """A result that says plainly that the data cannot support the test, with no number."""
    return TestResult(
        name=name,
        question=question,
        statistic=float("nan"),
        p_value=float("nan"),
        null_distribution=np.empty(0),
        effect_size=float("nan"),
        effect_ci=(float("nan"), float("nan")),
        n_permutations=n_permutations,
        alternative=alternative,
        seed=seed,
        null_model=null_model,
        interpretation=t("Not tested: {reason}.", reason=reason),
        supported=False,
        reason=reason,
    )


def p_value(observed, null: np.ndarray, alternative: str):
    """Permutation p-value (b + 1) / (R + 1), clipped at 1, of one statistic or of several at once.

    ``observed`` is a number and ``null`` its R draws; or ``observed`` holds m statistics and
    ``null`` is R x m, one column each (one p-value per column is returned). A null value equal
    to the observed one up to rounding (relative tolerance 1e-9) counts as extreme.

    Examples
    --------
    >>> null = np.array([0.0, 1.0, 2.0, 3.0])
    >>> p_value(2.0, null, "greater"), p_value(2.0, null, "less"), p_value(2.0, null, "two-sided")
    (0.6, 0.8, 1.0)
    >>> p_value(np.array([2.0, 0.0]), np.column_stack([null, null]), "greater").tolist()
    [0.6, 1.0]
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    null = np.asarray(null, dtype=float)
    obs = np.asarray(observed, dtype=float)
    tol = 1e-9 * np.maximum(1.0, np.abs(obs))
    r = len(null)
    greater = (np.sum(null >= obs - tol, axis=0) + 1) / (r + 1)
    less = (np.sum(null <= obs + tol, axis=0) + 1) / (r + 1)
    p = {"greater": greater, "less": less}.get(alternative)
    if p is None:  # two-sided
        p = np.minimum(1.0, 2 * np.minimum(greater, less))
    return float(p) if obs.ndim == 0 else p


def mid_p_value(observed, null: np.ndarray, alternative: str):
    """Mid-p (b_> + (b_= + 1) / 2) / (R + 1): the observed value and null values tied with it count one half.

    Same shapes as :func:`p_value`; ties within a relative 1e-9.

    Examples
    --------
    >>> null = np.array([0.0, 1.0, 2.0, 3.0])
    >>> mid_p_value(2.0, null, "greater"), mid_p_value(2.0, null, "less"), mid_p_value(2.0, null, "two-sided")
    (0.4, 0.6, 0.8)
    """
    check_choice("alternative", alternative, ALTERNATIVES)
    null = np.asarray(null, dtype=float)
    obs = np.asarray(observed, dtype=float)
    tol = 1e-9 * np.maximum(1.0, np.abs(obs))
    tied = np.sum(np.abs(null - obs) <= tol, axis=0) + 1
    greater = (np.sum(null > obs + tol, axis=0) + 0.5 * tied) / (len(null) + 1)
    less = (np.sum(null < obs - tol, axis=0) + 0.5 * tied) / (len(null) + 1)
    p = {"greater": greater, "less": less}.get(alternative)
    if p is None:
        p = np.minimum(1.0, 2 * np.minimum(greater, less))
    return float(p) if obs.ndim == 0 else p


def attained_size(null: np.ndarray, alternative: str, *, mid: bool = False, alpha: float = 0.05) -> float:
    """Share of the null draws whose own p-value (or mid-p) against the other draws is at most ``alpha``.

    Under the permutation null the observed statistic is one more exchangeable draw, so this is
    the false-positive rate of the test at this data: about ``alpha`` for a fine statistic, less
    where many draws tie. Sorting makes it O(R log R).

    Examples
    --------
    >>> null = np.repeat([0.0, 1.0], [90, 9])  # a two-valued statistic: 9 % of the draws at the top
    >>> attained_size(null, "greater"), round(attained_size(null, "greater", mid=True), 2)
    (0.0, 0.09)
    """
    null = np.sort(np.asarray(null, dtype=float))
    r = len(null)
    if not r:
        return float("nan")
    tol = 1e-9 * np.maximum(1.0, np.abs(null))
    below = np.searchsorted(null, null - tol, side="left")  # draws smaller than each draw
    above = r - np.searchsorted(null, null + tol, side="right")
    tied = r - below - above  # including the draw itself
    # Each draw's p against the other R - 1 draws: (b + 1) / R, b counting ties (mid: half of them).
    if mid:
        greater, less = (above + 0.5 * tied) / r, (below + 0.5 * tied) / r
    else:
        greater, less = (above + tied) / r, (below + tied) / r
    p = {"greater": greater, "less": less}.get(alternative, np.minimum(1.0, 2 * np.minimum(greater, less)))
    return float(np.mean(p <= alpha))


def _chunk(
    batch: Callable[[np.random.Generator, int], np.ndarray], seed_seq: np.random.SeedSequence, size: int
) -> np.ndarray:
    return np.asarray(batch(np.random.default_rng(seed_seq), size), dtype=float)


def joblib_workers(n_jobs: int | None, tasks: int, prefer: str = "threads") -> dict:
    """joblib arguments: ``n_jobs`` workers if given; else the user's ``parallel_config``; else one per core.

    Threads (the default ``prefer``) suit vectorised draws (numpy releases the GIL) and start at
    no cost, where processes would copy the data to each worker first. ``tasks`` caps the
    default number of workers.

    Examples
    --------
    >>> joblib_workers(2, 10)
    {'n_jobs': 2, 'prefer': 'threads'}
    """
    if n_jobs is not None:
        return {"n_jobs": n_jobs, "prefer": prefer}
    backend, configured = joblib.parallel.get_active_backend()
    if configured is not None or not isinstance(backend, joblib.parallel.LokyBackend):
        return {}  # set by the user with joblib.parallel_config: used as it is
    return {"n_jobs": max(1, min(joblib.cpu_count(), tasks)), "prefer": prefer}


def permutation_test(
    observed: float,
    batch: Callable[[np.random.Generator, int], np.ndarray],
    *,
    n_permutations: int = 999,
    alternative: Alternative = "greater",
    seed: Seed = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
    prefer: str = "threads",
) -> tuple[float, np.ndarray]:
    """Null distribution and p-value of ``observed`` under the null model that ``batch`` draws from.

    Parameters
    ----------
    observed : float
    batch : callable
        ``batch(rng, k)`` returns the statistic of ``k`` datasets drawn from the null (or a
        ``k`` x c array whose column 0 is the statistic and whose other columns are returned
        for the caller's own use, e.g. per-pair statistics of the same draws).
    n_permutations : int
        R, at least 1.
    alternative : {"greater", "less", "two-sided"}
    seed : int, numpy.random.Generator or None
        Root of the chunks' seeds (see :func:`diffusion.checks.resolve_seed`); the same int seed
        gives the same null distribution.
    n_jobs : int, optional
        Workers. By default, the backend and workers of an active ``joblib.parallel_config``
        (e.g. ``backend="dask"``), else one per core where the first chunk, timed, shows that the
        rest would take more than ``WORTH_WORKERS[prefer]`` seconds in this process (else none).
    progress : bool, optional
        Progress bar; by default shown on terminals for runs of more than one chunk.
    prefer : {"threads", "processes"}
        Threads suit draws that release the GIL (numpy); processes, draws that hold it (igraph).

    Returns
    -------
    (p_value, null_distribution)

    Examples
    --------
    >>> p, null = permutation_test(2.5, lambda rng, k: rng.normal(size=k), n_permutations=99, seed=1)
    >>> round(p, 2), len(null)
    (0.01, 99)
    """
    opts = permutation_options(n_permutations, alternative, seed)
    sizes = [CHUNK] * (n_permutations // CHUNK) + ([n_permutations % CHUNK] if n_permutations % CHUNK else [])
    seeds = np.random.SeedSequence(opts["seed"]).spawn(len(sizes))
    show = (len(sizes) > 1 and sys.stderr.isatty()) if progress is None else progress
    workers = joblib_workers(n_jobs, len(sizes), prefer)
    bar = tqdm(total=len(sizes), disable=not show, desc="permutations", unit="chunk", leave=False)
    parts = []
    if n_jobs is None and workers.get("n_jobs", 1) > 1:
        # Our default, not the user's: workers only where the rest of the draws take long enough to
        # pay for them, which the first chunk, timed, tells (threads hold the GIL in turn, and
        # processes start a Python each). Each chunk has its own seed, so the draws do not change.
        began = time.perf_counter()
        parts.append(_chunk(batch, seeds[0], sizes[0]))
        bar.update()
        seeds, sizes = seeds[1:], sizes[1:]
        if (time.perf_counter() - began) * len(sizes) < WORTH_WORKERS[prefer]:
            workers = {"n_jobs": 1}
    jobs = joblib.Parallel(return_as="generator", **workers)(
        joblib.delayed(_chunk)(batch, s, k) for s, k in zip(seeds, sizes)
    )
    for part in jobs:
        parts.append(part)
        bar.update()
    bar.close()
    null = np.concatenate(parts) if parts else np.empty(0)
    # A batch may return several columns per draw (column 0 the statistic, others for the caller).
    return p_value(observed, null[:, 0] if null.ndim == 2 else null, opts["alternative"]), null


def result(
    name: str,
    question: str,
    observed: float,
    null: np.ndarray,
    p: float,
    *,
    n_permutations: int,
    alternative: str,
    seed: int | None,
    null_model: str,
    interpretation: str,
    details: dict | None = None,
) -> TestResult:
    """Assemble a :class:`TestResult`: effect size and its interval, mid-p and attained size from the null.

    A conservative test at this data (attained size under 0.035) says so in its interpretation.
    """
    lo, hi = np.quantile(null, [0.025, 0.975]) if len(null) else (np.nan, np.nan)
    stat_null = null[:, 0] if null.ndim == 2 else null
    size, size_mid = attained_size(stat_null, alternative), attained_size(stat_null, alternative, mid=True)
    mid = mid_p_value(observed, stat_null, alternative) if len(stat_null) else float("nan")
    if size < 0.035:
        interpretation = joined(
            interpretation,
            t(
                "The statistic is coarse here (many ties): at this data the test rejects {size:.1%} of null datasets "
                "at alpha = 0.05 (mid-p: {size_mid:.1%}); mid-p = {mid:.3g}.",
                size=size,
                size_mid=size_mid,
                mid=mid,
            ),
        )
    return TestResult(
        name=name,
        question=question,
        statistic=float(observed),
        p_value=float(p),
        null_distribution=null,
        effect_size=float(observed - null.mean()),
        effect_ci=(float(observed - hi), float(observed - lo)),
        n_permutations=n_permutations,
        alternative=alternative,
        seed=seed,
        null_model=null_model,
        interpretation=interpretation,
        p_value_mid=float(mid),
        attained_size=size,
        attained_size_mid=size_mid,
        details=details or {},
    )
