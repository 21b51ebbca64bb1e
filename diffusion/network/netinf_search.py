"""NetInf: the latent network along which practices spread, inferred from adoption times alone.

Gomez-Rodriguez, Leskovec & Krause's greedy algorithm (KDD 2010), as NetworkInference (Linder &
Desmarais; Desmarais, Harden & Boehmke 2015, APSR) runs it. Each adopter of a cascade learnt from one
earlier adopter (its parent): over an edge of the network with probability ``beta = 0.5`` times the
transmission density of the delay, otherwise over a background ``epsilon = 1e-9`` "edge". A
network's score is the log-likelihood of every cascade's most likely tree. Starting from the empty
network, the edge that raises the score most is added, again and again:

- a number of edges, or edges kept while a Vuong-type test of each addition is significant:
  the per-cascade score changes, each less a penalty of ``1 / n`` (``n`` cascades), have a mean
  tested against 0 with the normal approximation, one-sided (NetworkInference's test). The first
  edge at or above the cut-off is not kept;
- ties in improvement go to the last edge in (source, target) unit order, as in NetworkInference's
  loop over its ordered edges;
- non-adopters are censored and, as in NetInf, add nothing to a tree's likelihood.

Only the column of the accepted edge's target changes after each step (the parents of other units
stay), so one step costs the cascades of one unit, never all pairs again: units x units improvement
and count matrices, updated column by column.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special
from tqdm.auto import tqdm

from diffusion.checks import Seed, as_generator, check_choice, check_draws, check_int, check_number
from diffusion.display import Card, Summarised
from diffusion.i18n import joined, t
from diffusion.network.cascades import Cascades
from diffusion.network.transmission import (
    TRANSMISSION_MODELS,
    auto_parameter,
    check_parameter,
    log_density,
    shortest_delay,
)

__all__ = ["BETA", "EPSILON", "InferredNetwork", "netinf", "vuong_p_value"]

BETA = 0.5
NULL_MEMORY = 2**30  # bytes the permuted searches may keep between rounds
BLOCK = 2**12  # candidate sources of the targets set up together (see _State._background)
EPSILON = 1e-9
EDGE_COLUMNS = ["source", "target", "improvement", "p_value", "p_calibrated", "cascades", "step"]


@dataclass(frozen=True, repr=False)
class InferredNetwork(Summarised):
    """The result of :func:`netinf`: edges in the order added, and how they were chosen.

    ``edges``: source, target, improvement (gain in log-likelihood), p_value (Vuong-type test of the
    addition), p_calibrated (its rank among the same step's p-values with times shuffled; NaN
    uncalibrated), cascades (in how many cascades the source adopted strictly before the target:
    the edge could transmit), step. ``parents``: cascades x units, the index of each adopter's
    parent once the kept edges are in (-1: the background, or the first adopter). ``null``: the
    permuted data's p-values, permutations x steps.
    """

    edges: pd.DataFrame
    cascades: Cascades
    model: str
    param: float
    delta: float
    possible_edges: int
    stopped: str
    parents: np.ndarray = field(repr=False)
    null: np.ndarray = field(repr=False)
    counts: np.ndarray = field(repr=False)  # units x units: cascades in which each edge could transmit
    network_p_value: float = float("nan")  # the first edge's calibrated p: some network against none

    def trees(self) -> pd.DataFrame:
        """Each adoption with the unit it most likely learnt from: ``cascade, unit, time, parent``
        (empty for the first adopters and where the background explains it better)."""
        c, u = np.nonzero(np.isfinite(self.cascades.times))
        p = self.parents[c, u]
        parent = np.where(p >= 0, self.cascades.units[np.maximum(p, 0)], "")
        out = pd.DataFrame(
            {"cascade": self.cascades.names[c], "unit": self.cascades.units[u], "time": self.cascades.times[c, u]}
        ).assign(parent=parent)
        return out.sort_values(["cascade", "time", "unit"], kind="stable").reset_index(drop=True)

    def describe(self) -> str:
        """A few sentences: what was inferred, from what, and whether there is any network at all."""
        c = self.cascades
        n = len(self.edges)
        return joined(
            t(
                "NetInf ({model}, parameter {param:.4g}): {edges} among {units} units from {cascades} cascades "
                "({several} with two or more adopters, {adoptions} adoptions); {possible} edges were possible.",
                model=self.model,
                param=self.param,
                edges=t("{n} edge", n=n) if n == 1 else t("{n} edges", n=n),
                units=len(c.units),
                cascades=len(c.names),
                several=int((c.sizes >= 2).sum()),
                adoptions=int(c.sizes.sum()),
                possible=self.possible_edges,
            ),
            self.stopped,
            t(
                "Some network against none (adoption times shuffled within each cascade, {n} permutations): "
                "p = {p:.3g}.",
                n=len(self.null),
                p=self.network_p_value,
            )
            if len(self.null)
            else "",
        )

    def card(self) -> Card:
        """Its summary (``repr`` and a notebook's display)."""
        facts = (("model", self.model), ("edges", len(self.edges)), ("units", len(self.cascades.units)))
        return Card("InferredNetwork", facts, (self.describe(),))

    def to_networkx(self):
        """A networkx DiGraph of the units (every unit a node), edges with their columns as attributes."""
        import networkx as nx

        g = nx.DiGraph(model=self.model, param=self.param)
        g.add_nodes_from(self.cascades.units)
        for r in self.edges.to_dict("records"):
            g.add_edge(r["source"], r["target"], **{c: r[c] for c in EDGE_COLUMNS[2:]})
        return g

    def to_igraph(self):
        """An igraph directed Graph, vertices named by unit, edges with their columns as attributes."""
        import igraph as ig

        index = self.cascades.units
        g = ig.Graph(n=len(index), directed=True)
        g.vs["name"] = list(index)
        g.add_edges(list(zip(index.get_indexer(self.edges["source"]), index.get_indexer(self.edges["target"]))))
        for col in EDGE_COLUMNS[2:]:
            g.es[col] = self.edges[col].tolist()
        return g


def vuong_p_value(before: np.ndarray, after: np.ndarray) -> float:
    """One-sided p-value that the per-cascade scores ``after`` (one edge more, penalised by
    ``1 / n`` each) beat ``before``: ``1 - Phi(sum(d) / (sd(d) * sqrt(n)))``, ``d`` the differences.

    Examples
    --------
    >>> round(vuong_p_value(np.zeros(4), np.array([3.0, 0.0, 2.0, 1.0])), 4)
    0.0264
    """
    d = after - 1 / len(after) - before
    sd = d.std(ddof=1)
    if not sd > 0:
        return 0.0 if d.sum() > 0 else 1.0
    return float(special.ndtr(-d.sum() / (sd * np.sqrt(len(d)))))


def netinf(
    cascades: Cascades,
    *,
    model: str = "exponential",
    param: float | None = None,
    n_edges: int | None = None,
    p_value: float = 0.05,
    calibrate: int = 199,
    seed: Seed = None,
    progress: bool | None = None,
) -> InferredNetwork:
    """Infer the diffusion network of ``cascades`` with NetInf.

    Parameters
    ----------
    cascades : Cascades
        Adoption times (:func:`~diffusion.network.cascades.dataset_cascades` or
        :meth:`Cascades.from_frame`).
    model : {"exponential", "power", "rayleigh"}
        Transmission model (:mod:`diffusion.network.transmission`).
    param : float, optional
        Its parameter; default: chosen from the data as NetworkInference does.
    n_edges : int, optional
        Add this many edges (fewer if no further edge improves the likelihood). Default: keep
        adding while the test of each addition is significant at ``p_value``.
    p_value : float
        The significance level of that test (ignored with ``n_edges``).
    calibrate : int
        Permutations that calibrate the test (default 199): on copies with adoption times shuffled
        among each cascade's adopters the same greedy search runs, and the k-th edge is kept while
        its Vuong p-value ranks among the lowest ``p_value`` share of the copies' k-th p-values
        (``p_calibrated``; never past the uncalibrated rule's stop). Then "some network" is found
        in about a share ``p_value`` of datasets without one; the uncalibrated test
        (``calibrate=0``, NetworkInference's rule) finds one in nearly all. Not used with ``n_edges``.
    seed : int or numpy.random.Generator, optional
        Seed of the permutations.
    progress : bool, optional
        Show a progress bar (default: on a terminal).

    Returns
    -------
    InferredNetwork

    Examples
    --------
    >>> df = pd.DataFrame({"unit": list("abcabcab"), "cascade": list("xxxyyyzz"), "time": [0, 1, 2, 0, 1, 3, 0, 1]})
    >>> net = netinf(Cascades.from_frame(df), n_edges=2)
    >>> net.edges[["source", "target", "cascades"]].values.tolist()
    [['a', 'b', 3], ['b', 'c', 2]]
    """
    check_choice("model", model, TRANSMISSION_MODELS)
    cascades.check()
    if n_edges is not None:
        n_edges, calibrate = check_int("n_edges", n_edges, low=1), 0
    else:
        p_value = check_number("p_value", p_value, 0, 1, low_open=True)
        calibrate = check_draws("calibrate", calibrate, low=0)
    param = check_parameter(model, auto_parameter(cascades, model) if param is None else param)
    delta = shortest_delay(cascades)
    show = sys.stderr.isatty() if progress is None else progress
    state = _State(cascades.times, model, param, delta)
    steps, stopped = _greedy(state, n_edges, None if n_edges else p_value, show)
    names = cascades.units.tolist()
    raw = np.array([s[3] for s in steps])
    null, p_cal = np.empty((0, 0)), np.full(len(steps), np.nan)
    keep = len(steps)
    if n_edges is None:
        if calibrate:
            null, p_cal = _calibrated(cascades.times, (model, param, delta), raw, calibrate, p_value, seed, show)
        failed = (p_cal > p_value) | (raw >= p_value) if calibrate else raw >= p_value
        keep = int(np.argmax(failed)) if failed.any() else len(steps)
        if keep < len(steps):
            u, v = steps[keep][:2]
            which = t("calibrated p = {p:.3g}", p=p_cal[keep]) if calibrate else f"p = {raw[keep]:.3g}"
            stopped = t(
                "The next edge, {source} -> {target}, had {which} and was not kept.",
                source=names[u],
                target=names[v],
                which=which,
            )
    rows = [(names[u], names[v], gain, p, pc, n, k + 1) for k, ((u, v, gain, p, n), pc) in enumerate(zip(steps, p_cal))]
    edges = pd.DataFrame(rows[:keep], columns=EDGE_COLUMNS).astype({"cascades": int, "step": int})
    first = float(p_cal[0]) if calibrate and len(steps) else float("nan")
    return InferredNetwork(
        edges,
        cascades,
        model,
        param,
        delta,
        state.possible,
        stopped,
        state.parents_after(keep),
        null,
        state.count,
        first,
    )


def _greedy(state: _State, n_edges: int | None, cut: float | None, show: bool) -> tuple[list[tuple], str]:
    """Add edges: ``n_edges`` of them, or up to and including the first whose p-value reaches ``cut``.

    Returns the steps (source, target, improvement, p-value, cascades) and why the search ended.
    """
    steps: list[tuple] = []
    stopped = t("{n} edges were asked for.", n=n_edges) if n_edges else ""
    with tqdm(total=n_edges, disable=not show, desc="NetInf edges", unit="edge", leave=False) as bar:
        while n_edges is None or len(steps) < n_edges:
            best = state.best()
            if best is None or best[2] <= 0:
                stopped = (
                    t("Every possible edge was added.") if best is None else t("No further edge improves the fit.")
                )
                break
            u, v, gain = best
            change = state.accept(u, v)
            p = vuong_p_value(np.zeros_like(change), change)
            steps.append((u, v, gain, p, int(state.count[u, v])))
            bar.update()
            if cut is not None and p >= cut:
                break
    return steps, stopped


def _calibrated(
    times: np.ndarray,
    model: tuple[str, float, float],
    raw: np.ndarray,
    n: int,
    alpha: float,
    seed: Seed,
    show: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The null p-values (n permutations x steps) and each step's calibrated p, as far as needed.

    The null copies take 1, 2, 4, ... steps until a step of the data fails (most nulls stop at the
    first). Their searches are kept between rounds when they fit in memory (``NULL_MEMORY``), else
    redone from each copy's own seed, which redraws the same copy.
    """
    seeds = as_generator(seed).integers(0, 2**63 - 1, size=n)
    units = times.shape[1]
    keep = n * (times.size * 40 + units * units * 14) <= NULL_MEMORY
    searches: list[tuple[_State, list]] = []
    k, null = 1, np.ones((n, 0))
    while True:
        k = min(k, len(raw))
        bar = tqdm(range(n), disable=not show, desc=f"NetInf null, {k} steps", unit="permutation", leave=False)
        null = np.ones((n, k))
        for r in bar:
            if keep and len(searches) > r:
                state, steps = searches[r]
            else:
                state, steps = _State(_shuffled(times, seeds[r]), *model), []
            if len(steps) < k and not (steps and steps[-1] is None):
                more, _ = _greedy(state, k - len(steps), None, show=False)
                steps += more + ([None] if len(more) < k - len(steps) else [])
            if keep and len(searches) <= r:
                searches.append((state, steps))
            ps = [s[3] for s in steps[:k] if s is not None]
            null[r, : len(ps)] = ps
        p_cal = np.full(len(raw), np.nan)
        p_cal[:k] = (1 + (null <= raw[:k]).sum(axis=0)) / (n + 1)
        if k == len(raw) or (p_cal[:k] > alpha).any():
            return null, p_cal
        k *= 2


def _shuffled(times: np.ndarray, seed: int) -> np.ndarray:
    """The cascades with adoption times shuffled among each cascade's adopters (who adopted, and
    when adoptions happened, kept)."""
    keys = np.where(np.isfinite(times), np.random.default_rng(seed).random(times.shape), np.inf)
    out = np.empty_like(times)
    np.put_along_axis(out, np.argsort(keys, axis=1, kind="stable"), np.sort(times, axis=1), axis=1)
    return out


class _State:
    """The greedy search: every adoption's current parent (its log density, and whether over a
    network edge), every candidate edge's improvement.

    Improvements are kept as ``log(beta / k) + (w - w_parent)``, ``k`` the current parent's beta or
    epsilon, so equal delays give exactly equal improvements. Each cascade's adopters are stored in
    time order (``order``, from ``start[c]``), so the sources that could have taught ``v`` in
    cascade ``c`` are one slice, up to ``before[c, v]``.
    """

    def __init__(self, times: np.ndarray, model: str, param: float, delta: float) -> None:
        self.times, self.model, self.param, self.delta = times, model, param, delta
        n_units = times.shape[1]
        self.gain = np.zeros((n_units, n_units))
        self.count = np.zeros((n_units, n_units), dtype=np.int32)
        self.w = np.full(times.shape, -np.inf)  # log density of each adoption's current parent
        self.lift = np.full(times.shape, _BACKGROUND)  # log(beta / k): what an edge adds over that parent
        self.parents = np.full(times.shape, -1, dtype=np.int64)
        self.undo: list[tuple[int, np.ndarray, np.ndarray]] = []  # per step: target, cascades, old parents
        self._index_adopters()
        self.taken = np.zeros((n_units, n_units), dtype=bool)
        self.col_max = np.full(n_units, -np.inf)
        self._background()
        self.possible = int((self.count > 0).sum())

    def _index_adopters(self) -> None:
        c, u = np.nonzero(np.isfinite(self.times))
        t = self.times[c, u]
        o = np.lexsort((u, t, c))
        self.order, self.order_time = u[o], t[o]
        self.start = np.searchsorted(c[o], np.arange(len(self.times) + 1))
        first = np.r_[True, (np.diff(c[o]) != 0) | (np.diff(t[o]) != 0)]
        key = np.maximum.accumulate(  # the first position of each adopter's time in its cascade
            np.where(first, np.arange(len(o)), 0)
        )
        self.before = np.zeros(self.times.shape, dtype=np.int64)
        self.before[c[o], u[o]] = key

    def _log_f(self, x: np.ndarray) -> np.ndarray:
        return log_density(self.model, x, self.param, self.delta)

    def _gains(self, x: np.ndarray, lift: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Improvements of sources at delays ``x`` (> 0 where possible) over parents with ``lift``, ``w``."""
        ok = x > 0
        gain = self._log_f(np.where(ok, x, 1.0))
        gain -= np.where(np.isfinite(w), w, 0.0)
        gain += lift
        np.maximum(gain, 0.0, out=gain)
        gain[~ok] = 0.0
        return gain

    def _column_max(self, v: int) -> None:
        self.col_max[v] = np.where((self.count[:, v] > 0) & ~self.taken[:, v], self.gain[:, v], -np.inf).max()

    def best(self) -> tuple[int, int, float] | None:
        """The edge to add: the largest improvement (ties within 1e-10 relative to the last
        source, then target, in unit order); None when every possible edge is in."""
        top = self.col_max.max()
        if top == -np.inf:
            return None
        floor = top - 1e-10 * max(1.0, abs(top))
        choices: list[tuple[int, int]] = []
        for col in np.flatnonzero(self.col_max >= floor):
            ok = (self.gain[:, col] >= floor) & (self.count[:, col] > 0) & ~self.taken[:, col]
            choices.append((int(np.flatnonzero(ok)[-1]), int(col)))
        u, v = max(choices)
        return u, v, float(self.gain[u, v])

    def accept(self, u: int, v: int) -> np.ndarray:
        """Add u -> v: update v's parents, recompute the improvements into v; return the change of
        each cascade's score."""
        with np.errstate(invalid="ignore"):
            x = self.times[:, v] - self.times[:, u]
        x = np.where(np.isfinite(x), x, 0.0)
        change = self._gains(x, self.lift[:, v], self.w[:, v])
        better = change > 0
        self.w[better, v] = self._log_f(x[better])
        self.lift[better, v] = 0.0
        self.undo.append((v, np.flatnonzero(better), self.parents[better, v]))
        self.parents[better, v] = u
        self.taken[u, v] = True
        self._column(v)
        return change

    def parents_after(self, k: int) -> np.ndarray:
        """Every adopter's parent once the first ``k`` accepted edges are in."""
        parents = self.parents.copy()
        for v, rows, old in reversed(self.undo[k:]):
            parents[rows, v] = old
        return parents

    def _candidates(self, rows: np.ndarray, targets: np.ndarray | int) -> tuple:
        """The (cascade, target) pairs of ``rows``, ``targets`` that have adopters before them, how
        many each has, and those sources with their delays' log densities (concatenated pair by pair)."""
        lo, hi = self.start[rows], self.before[rows, targets]
        keep = hi > lo
        rows, lo, n = rows[keep], lo[keep], (hi - lo)[keep]
        targets = targets[keep] if isinstance(targets, np.ndarray) else targets  # one target: an int
        ends = np.cumsum(n)
        pos = np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - n - lo, n)  # the slices, concatenated
        x = np.repeat(self.times[rows, targets], n) - self.order_time[pos]  # all > 0: the sources came first
        return rows, targets, n, self.order[pos], self._log_f(x)

    def _improvements(self, rows, targets, n, gains) -> np.ndarray:
        """Each candidate's improvement over its adoption's current parent (0 where none), in ``gains``."""
        gains -= np.repeat(self.w[rows, targets], n)
        gains += np.repeat(self.lift[rows, targets], n)
        return np.maximum(gains, 0.0, out=gains)

    def _background(self) -> None:
        """Every adoption's background parent, every edge's cascade count and improvement.

        Targets go in blocks of about BLOCK candidate sources: one by one, small data pay Python's
        overhead per target (NetInf's null on the bundled data took 2.5 times as long); together,
        large data pay a pass more over every candidate. Within a block each edge still sums its
        cascades in order, as :meth:`_column` does, so the result is the same to the bit.
        """
        units = self.times.shape[1]
        targets, rows = np.nonzero(np.isfinite(self.times.T))  # by target, then cascade
        per_target = np.bincount(
            targets, weights=np.maximum(self.before[rows, targets] - self.start[rows], 0), minlength=units
        )
        reach = np.r_[0.0, np.cumsum(per_target)]
        firsts = np.unique(np.searchsorted(reach, np.arange(0, reach[-1], BLOCK), side="right") - 1)
        pairs = np.searchsorted(targets, np.arange(units + 1))  # each target's first (cascade, target) pair
        for t0, t1 in zip(firsts, [*firsts[1:], units]):
            self._background_block(rows[pairs[t0] : pairs[t1]], targets[pairs[t0] : pairs[t1]], t0, t1)
        self.col_max[:] = np.where((self.count > 0) & ~self.taken, self.gain, -np.inf).max(axis=0)

    def _background_block(self, rows: np.ndarray, targets: np.ndarray, t0: int, t1: int) -> None:
        """:meth:`_background` for the targets ``t0`` to ``t1 - 1``."""
        units = self.times.shape[1]
        rows, targets, n, sources, gains = self._candidates(rows, targets)
        if len(rows):
            self.w[rows, targets] = np.maximum.reduceat(gains, np.cumsum(n) - n)
        # (target, source) within the block; one target's cells are its sources
        cell = sources if t1 - t0 == 1 else (np.repeat(targets, n) - t0) * units + sources
        shape = (t1 - t0, units)
        self.count[:, t0:t1] = np.bincount(cell, minlength=shape[0] * units).reshape(shape).T
        improvement = self._improvements(rows, targets, n, gains)
        self.gain[:, t0:t1] = np.bincount(cell, weights=improvement, minlength=shape[0] * units).reshape(shape).T

    def _column(self, v: int) -> None:
        """Every source's improvement into ``v``, from the adopters before ``v`` in its cascades."""
        rows, targets, n, sources, gains = self._candidates(np.flatnonzero(np.isfinite(self.times[:, v])), v)
        improvement = self._improvements(rows, targets, n, gains)
        self.gain[:, v] = np.bincount(sources, weights=improvement, minlength=len(self.gain))
        self._column_max(v)


_BACKGROUND = float(np.log(BETA) - np.log(EPSILON))
