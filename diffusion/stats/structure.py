"""Does the graph matter? netdiffuseR's structural test: keep the adoption times, rewire the graph.

Over the adoptions after each practice's first period (first-period adopters have no earlier
alter whatever the graph), the statistic is the share of adoptions with at least one alter that
had adopted in an earlier period (``"any"``, the default: the signature of simple contagion,
where one earlier adopter among the alters suffices), or the mean threshold — the share of each
adopter's alters that had adopted before it (``"threshold"``, netdiffuseR's example statistic,
sensitive to complex contagion but not to simple contagion that saturates). The null keeps
every adoption time and every unit's number of ties but rewires who is tied to whom
(degree-preserving edge swaps, 10 trials per tie, igraph's ``rewire``; a directed network keeps
in- and out-degrees). If adopters were exposed more on the real graph than on rewired ones,
the graph carried the spread beyond what the units' number of ties explains.

Reference: Vega Yon, G. G., & Valente, T. W. netdiffuseR, ``struct_test``.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Literal

import numpy as np

from diffusion.checks import Seed, check_choice, check_int
from diffusion.data.dataset import Dataset
from diffusion.errors import DiffusionError
from diffusion.i18n import Text, t
from diffusion.stats.exposure_measures import Graph, adoption_times, unit_graph
from diffusion.stats.inference import (
    WORKER_START,
    Alternative,
    TestResult,
    permutation_options,
    permutation_test,
    result,
    unsupported,
)

if TYPE_CHECKING:
    import igraph as ig

__all__ = ["STRUCTURE_Q", "structure_test"]

#: Seconds per tie of one rewiring, and per practice x tie of the statistic (county graph, this machine).
REWIRE_SECONDS, STAT_SECONDS = 3.4e-6, 1.1e-8
STRUCTURE_Q = t("Were adopters more exposed on the real graph than on rewired graphs with the same degrees?")


def structure_test(
    ds: Dataset,
    *,
    level: str | None = None,
    graph: Literal["ties", "hierarchy"] = "ties",
    statistic: Literal["any", "threshold"] = "any",
    lag: int = 1,
    n_permutations: int = 999,
    alternative: Alternative = "greater",
    seed: Seed = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TestResult:
    """Exposure at adoption on the real graph against degree-preserving rewirings of it.

    Rewiring draws from igraph's global random source, so the draws never share a process: they
    run in this one, or (``n_jobs``; by default where the estimated work exceeds WORKER_START
    seconds, e.g. 999 rewirings of a county graph) in worker processes, each chunk seeded from
    ``seed``, so the same seed gives the same null distribution either way.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> r = structure_test(load_dataset("broadband-china"), n_permutations=49, progress=False)
    >>> r.supported, 0 < r.p_value <= 1
    (True, True)
    """
    opts = permutation_options(n_permutations, alternative, seed)
    lag = check_int("lag", lag, low=1)
    check_choice("statistic", statistic, ("any", "threshold"))
    name, model = "structure", t("the graph rewired, each unit's degree kept (adoption times kept)")
    try:
        g = unit_graph(ds, level, graph)
    except DiffusionError as exc:
        reason = exc.args[0] if isinstance(exc.args[0], Text) else str(exc).rstrip(".")  # a message: translated
        return unsupported(name, STRUCTURE_Q, reason, null_model=model)
    if g.active is not None:
        return unsupported(
            name,
            STRUCTURE_Q,
            t("the network's ties are dated, and a rewired tie has no date; give the network without start and end"),
            null_model=model,
        )
    _, times, _ = adoption_times(ds, g.units, ds.geography.level_of(g.units[0]))
    n = len(g.units)
    directed = ds.network is not None and ds.network.directed and graph == "ties"
    base = _igraph(g, directed)
    if base.ecount() < 2 or not np.isfinite(times).any() or not len(times):
        return unsupported(name, STRUCTURE_Q, t("fewer than two ties, or no timed adoption"), null_model=model)

    later = np.isfinite(times) & (times > np.nanmin(np.where(np.isfinite(times), times, np.nan), axis=1)[:, None])

    def stat(looker: np.ndarray, influencer: np.ndarray) -> float:
        """Mean share of adopters' alters adopted ``lag`` periods before them or earlier (NaN: no alter)."""
        seen = times[:, influencer] <= times[:, looker] - lag  # practices x ties
        degree = np.bincount(looker, minlength=n)
        cell = (np.arange(len(times))[:, None] * n + looker).ravel()  # (practice, looker) of each practice-tie
        counts = np.bincount(cell, weights=seen.ravel(), minlength=times.size).reshape(times.shape)
        if statistic == "any":  # at least one alter had adopted
            counts = (counts > 0).astype(float)
            degree_or_one = np.minimum(degree, 1)
        else:
            degree_or_one = degree
        share = np.divide(counts, degree_or_one, out=np.full(times.shape, np.nan), where=degree > 0)
        values = share[later]
        return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")

    observed = stat(g.looker, g.influencer)
    if not np.isfinite(observed):
        return unsupported(name, STRUCTURE_Q, t("no adoption after a practice's first period"), null_model=model)

    import igraph  # imported here: reading the test's options (the CLI's help) needs no graph library

    def batch(rng, k):
        igraph.set_random_number_generator(random.Random(int(rng.integers(2**63))))
        try:
            return np.array([stat(*_rewired(base, directed)) for _ in range(k)])
        finally:
            igraph.set_random_number_generator(random)

    # Seconds per draw: igraph's swaps (10 per tie) and the statistic (practices x ties).
    draw = base.ecount() * REWIRE_SECONDS + times.shape[0] * len(g.looker) * STAT_SECONDS
    if n_jobs is None and draw * opts["n_permutations"] <= WORKER_START:
        n_jobs = 1
    p, dist = permutation_test(observed, batch, **opts, n_jobs=n_jobs, progress=progress, prefer="processes")
    adopters = int(np.isfinite(times).sum())
    text = t(
        "{found}, against {chance:.1%} on rewired graphs with the same degrees (p = {p:.3g}). {verdict}",
        found=t(
            "{share:.1%} of adoptions had an alter that adopted before them on the {graph}",
            share=observed,
            graph=g.name,
        )
        if statistic == "any"
        else t(
            "Adopters had {share:.1%} of their alters adopted before them on the {graph}", share=observed, graph=g.name
        ),
        chance=np.nanmean(dist),
        p=p,
        verdict=t("The graph carried the spread beyond its degrees.")
        if p < 0.05
        else t("The graph's structure adds nothing beyond chance."),
    )
    return result(
        name,
        STRUCTURE_Q,
        observed,
        dist,
        p,
        interpretation=text,
        details={
            "graph": g.name,
            "statistic": statistic,
            "ties": base.ecount(),
            "adoptions": adopters,
            "lag": lag,
            "directed": directed,
        },
        **opts,
        null_model=model,
    )


def _igraph(g: Graph, directed: bool) -> ig.Graph:
    """The graph as an igraph graph: one edge per tie (directed: influencer -> looker), simple."""
    pairs = np.column_stack([g.influencer, g.looker])
    if not directed:
        pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    import igraph

    return igraph.Graph(n=len(g.units), edges=pairs.tolist(), directed=directed)


def _rewired(base: ig.Graph, directed: bool) -> tuple[np.ndarray, np.ndarray]:
    """(looker, influencer) of a degree-preserving rewiring of ``base``."""
    graph = base.copy()
    graph.rewire(n=10 * graph.ecount(), allowed_edge_types="simple")
    edges = np.array(graph.get_edgelist(), dtype=int).reshape(-1, 2)
    if directed:
        return edges[:, 1], edges[:, 0]
    return np.r_[edges[:, 1], edges[:, 0]], np.r_[edges[:, 0], edges[:, 1]]
