"""What an inferred diffusion network says: on a dataset, over moving windows, against the map.

- :func:`infer_network`: NetInf on a dataset's practices (units of one level, calendar time);
- :func:`netinf_windows`: networks on moving windows of the cascades (Desmarais, Harden & Boehmke
  2015 inferred US states' network each year from the previous 35 years of adoptions), with how
  much each window's network keeps of the previous one;
- :func:`senders_receivers`: who teaches and who learns;
- :func:`adjacency_overlap`: how many inferred edges join neighbours, against chance: the number a
  random draw of as many edges from the possible ones (source adopting before target in some
  cascade) would give, with a hypergeometric p-value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from tqdm.auto import tqdm

from diffusion.checks import check_number
from diffusion.data.dataset import Dataset
from diffusion.errors import DiffusionError
from diffusion.i18n import t
from diffusion.network.cascades import Cascades, dataset_cascades
from diffusion.network.netinf_search import EDGE_COLUMNS, InferredNetwork, netinf

__all__ = [
    "Windows",
    "adjacency_overlap",
    "infer_network",
    "netinf_windows",
    "senders_receivers",
]


def infer_network(ds: Dataset, level: str | None = None, **options) -> InferredNetwork:
    """NetInf on a dataset: one cascade per practice, units of ``level`` (default: the neighbour
    graph's level), time in years since the first period; ``options`` go to :func:`netinf`.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> net = infer_network(load_dataset("leading-cases"), seed=0, progress=False)
    >>> list(net.edges.columns)
    ['source', 'target', 'improvement', 'p_value', 'p_calibrated', 'cascades', 'step']
    """
    return netinf(dataset_cascades(ds, level), **options)


@dataclass(frozen=True)
class Windows:
    """Networks inferred on moving windows: ``edges`` (each window's, with ``window_end``) and
    ``summary`` (one row per window: cascades, adoptions, parameter, edges, edges kept from the
    previous window and the Jaccard similarity of the two edge sets; ``note`` says why a window has
    no network)."""

    edges: pd.DataFrame
    summary: pd.DataFrame
    width: float


def netinf_windows(
    cascades: Cascades,
    width: float,
    *,
    step: float = 1.0,
    ends: list[float] | None = None,
    progress: bool | None = None,
    **options,
) -> Windows:
    """NetInf on the adoptions of each window ``(end - width, end]``.

    Parameters
    ----------
    cascades : Cascades
    width : float
        Window length, in the cascades' time unit (years for a dataset).
    step : float
        Distance between window ends (default 1). They run back from the last time, every
        ``step``, to ``first + width - step`` (yearly data, ``width=35``: each year's 35 years up
        to and including it, from the first year whose window holds the first adoption); one window
        ending at the last time if the data span less.
    ends : list of float, optional
        The window ends, instead of ``step``.
    **options
        To :func:`netinf` (``model``, ``param``, ``n_edges``, ``p_value``); without ``param``
        each window chooses its own.

    Examples
    --------
    >>> df = pd.DataFrame({"unit": list("abcabcab"), "cascade": list("xxxyyyzz"), "time": [0, 1, 2, 5, 6, 8, 7, 8]})
    >>> w = netinf_windows(Cascades.from_frame(df), width=7, step=2, n_edges=1)
    >>> w.summary["window_end"].tolist(), w.summary["cascades"].tolist()
    ([6.0, 8.0], [2, 3])
    """
    width = check_number("width", width, low=0, low_open=True)
    finite = cascades.times[np.isfinite(cascades.times)]
    first, last = float(finite.min()), float(finite.max())
    if ends is None:
        step = check_number("step", step, low=0, low_open=True)
        start = min(first + width - step, last)
        ends = list(last - step * np.arange(int(np.floor((last - start) / step + 1e-9)) + 1)[::-1])
    edges, rows, previous = [], [], None
    for end in tqdm(ends, disable=not _show(progress, len(ends)), desc="windows", unit="window", leave=False):
        part = cascades.window(end - width, end)
        row = {"window_end": float(end), "cascades": len(part.names), "adoptions": int(part.sizes.sum())}
        try:
            net = netinf(part, progress=False, **options)
        except DiffusionError as exc:
            rows.append(row | {"param": np.nan, "edges": 0, "kept": 0, "jaccard": np.nan, "note": str(exc)})
            previous = None
            continue
        pairs = set(zip(net.edges["source"], net.edges["target"]))
        kept = len(pairs & previous) if previous is not None else 0
        union = len(pairs | previous) if previous is not None else 0
        rows.append(
            row
            | {
                "param": net.param,
                "edges": len(pairs),
                "kept": kept,
                "jaccard": kept / union if union else np.nan,
                "note": "",
            }
        )
        edges.append(net.edges.assign(window_end=float(end)))
        previous = pairs
    table = pd.concat(edges, ignore_index=True) if edges else pd.DataFrame(columns=[*EDGE_COLUMNS, "window_end"])
    summary = pd.DataFrame(rows).astype({"cascades": int, "adoptions": int, "edges": int, "kept": int})
    return Windows(table[["window_end", *EDGE_COLUMNS]], summary, width)


def _show(progress: bool | None, n: int) -> bool:
    import sys

    return (n > 1 and sys.stderr.isatty()) if progress is None else progress


def senders_receivers(net: InferredNetwork) -> pd.DataFrame:
    """Per unit with an inferred edge: edges sent and received, and the improvement each side carries.

    Examples
    --------
    >>> df = pd.DataFrame({"unit": list("abcabcab"), "cascade": list("xxxyyyzz"), "time": [0, 1, 2, 0, 1, 3, 0, 1]})
    >>> senders_receivers(netinf(Cascades.from_frame(df), n_edges=2))["unit"].tolist()
    ['a', 'b', 'c']
    """
    e = net.edges
    sent = e.groupby("source").agg(sent=("target", "size"), sent_improvement=("improvement", "sum"))
    got = e.groupby("target").agg(received=("source", "size"), received_improvement=("improvement", "sum"))
    out = sent.join(got, how="outer").fillna(0).rename_axis("unit").reset_index()
    out = out.astype({"sent": int, "received": int})
    return out.sort_values(["sent", "sent_improvement", "unit"], ascending=[False, False, True], kind="stable")


@dataclass(frozen=True)
class Overlap:
    """Inferred edges between neighbours on ``graph``, against random draws from the possible edges
    that could transmit in as many cascades."""

    graph: str
    edges: int
    between_neighbours: int
    possible: int
    possible_between_neighbours: int
    expected: float
    p_value: float
    p_value_mid: float

    def describe(self) -> str:
        """One sentence with the numbers."""
        share = self.between_neighbours / self.edges if self.edges else 0.0
        return t(
            "{n} of the {edges} inferred edges ({share:.0%}) join neighbours on the {graph}, against {expected:.1f} "
            "expected if the edges were drawn at random from the {possible} possible ones ({between} between "
            "neighbours) that could transmit in as many cascades (one-sided p = {p:.3g}, mid-p {mid:.3g}).",
            n=self.between_neighbours,
            edges=self.edges,
            share=share,
            graph=self.graph,
            expected=self.expected,
            possible=self.possible,
            between=self.possible_between_neighbours,
            p=self.p_value,
            mid=self.p_value_mid,
        )


def adjacency_overlap(net: InferredNetwork, ds: Dataset) -> Overlap:
    """How many inferred edges join neighbours on the dataset's neighbour graph at the network's
    level (ties active in any period), against chance.

    Chance draws as many edges from the possible ones (source adopting first in at least one
    cascade) within each stratum of the number of cascades in which they could transmit: units that
    take part in many practices (often neighbours: a region's leaders) give pairs with more
    evidence, and NetInf prefers those. The count of neighbour edges is then a sum of independent
    hypergeometric counts, one per stratum, whose exact distribution gives p and mid-p.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> ds = load_dataset("leading-cases")
    >>> o = adjacency_overlap(infer_network(ds, seed=0, progress=False), ds)
    >>> 0 <= o.between_neighbours <= o.edges
    True
    """
    from diffusion.stats.exposure_measures import unit_graph

    units = net.cascades.units
    graph = unit_graph(ds, ds.geography.level_of(units[0]))
    active = np.ones(len(graph.looker), bool) if graph.active is None else graph.active.any(axis=1)
    tie = np.zeros((len(units),) * 2, dtype=bool)
    src = units.get_indexer(graph.units[graph.influencer[active]])
    dst = units.get_indexer(graph.units[graph.looker[active]])
    ok = (src >= 0) & (dst >= 0)
    tie[src[ok], dst[ok]] = True
    counts = net.counts
    chosen = np.zeros_like(tie)
    chosen[units.get_indexer(net.edges["source"]), units.get_indexer(net.edges["target"])] = True
    pmf, expected = np.ones(1), 0.0
    for c in np.unique(counts[chosen]):
        stratum = counts == c
        m, n, k = int(stratum.sum()), int((stratum & tie).sum()), int((stratum & chosen).sum())
        pmf = np.convolve(pmf, stats.hypergeom(m, n, k).pmf(np.arange(min(n, k) + 1)))
        expected += k * n / m
    hits = int((chosen & tie).sum())
    p = float(pmf[hits:].sum()) if len(net.edges) else 1.0
    return Overlap(
        graph.name,
        len(net.edges),
        hits,
        net.possible_edges,
        int((tie & (counts > 0)).sum()),
        expected,
        min(p, 1.0),
        min(p - 0.5 * float(pmf[hits]), 1.0) if len(net.edges) else 1.0,
    )
