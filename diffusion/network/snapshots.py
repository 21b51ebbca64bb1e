"""The graphs of a temporal network at each period as integer arrays, for computing on many snapshots.

:meth:`TemporalNetwork.edge_list` and :meth:`~TemporalNetwork.node_list` give one graph as tables of
names; centrality needs every graph at every period (1,200 graphs for 200 periods), where filtering
and grouping strings each time costs more than the metrics. Here each graph's stamped edges are
coded once as positions in the sorted names of all nodes, so that a snapshot is a mask, a sort of
integers and, for the projection of regions, a sparse product. The snapshots are the same graphs
as the tables give (tested against them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from diffusion.network.build import TemporalNetwork, co_membership_codes

__all__ = ["CodedGraph", "Snapshot", "node_names"]


@dataclass(frozen=True)
class Snapshot:
    """One graph at one period: its nodes (positions in the names, sorted) and edges between them."""

    nodes: np.ndarray
    source: np.ndarray  # positions in ``nodes``
    target: np.ndarray
    weight: np.ndarray


def node_names(net: TemporalNetwork) -> np.ndarray:
    """Every node name of the network, sorted (object array): the positions used by :class:`CodedGraph`."""
    parts = [net.nodes["node"], net.edges["source"], net.edges["target"], net.ties["source"], net.ties["target"]]
    return np.unique(np.concatenate([p.to_numpy(dtype=object) for p in [*parts, net.adoptions["region"]]]))


class CodedGraph:
    """One graph of the network ("multimode", "regions" or "ties") with its edges as integer positions.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> from diffusion.network.build import build_network
    >>> net = build_network(load_dataset("broadband-china"))
    >>> names = node_names(net)
    >>> snap = CodedGraph(net, "regions", names).at(1, cumulative=True)
    >>> list(names[snap.nodes]) == net.node_list("regions", 1)
    True
    """

    def __init__(self, net: TemporalNetwork, graph: str, names: np.ndarray) -> None:
        index = pd.Index(names)
        self.graph, self.size = graph, len(names)
        adopters = index.get_indexer(net.adoptions["region"])
        frame = {"multimode": net.edges, "ties": net.ties, "regions": net.adoptions}[graph]
        self.period = frame["period"].to_numpy()
        if graph == "regions":  # members (regions) and the keys they share (practices)
            self.source, self.target = adopters, pd.factorize(net.adoptions["practice"])[0]
            self.weight = np.ones(len(frame))
        else:
            self.source, self.target = index.get_indexer(frame["source"]), index.get_indexer(frame["target"])
            self.weight = frame["weight"].to_numpy(dtype=float) if graph == "ties" else np.ones(len(frame))
        # Regions that adopt are nodes of the regions and ties graphs even without an edge.
        self.members = adopters if graph != "multimode" else np.empty(0, int)
        self.member_period = net.adoptions["period"].to_numpy() if graph != "multimode" else np.empty(0, int)

    def at(self, period: int, *, cumulative: bool) -> Snapshot:
        """The graph up to ``period`` (``cumulative``) or of that period only."""
        keep = self.period <= period if cumulative else self.period == period
        source, target, weight = self.source[keep], self.target[keep], self.weight[keep]
        if self.graph == "ties":
            source, target, weight = _summed(source, target, weight, self.size)
        elif self.graph == "regions":
            source, target, weight = co_membership_codes(source, target, self.size)
        kept = self.member_period <= period if cumulative else self.member_period == period
        nodes = np.unique(np.concatenate([source, target, self.members[kept]]))
        return Snapshot(nodes, np.searchsorted(nodes, source), np.searchsorted(nodes, target), weight)


def _summed(source: np.ndarray, target: np.ndarray, weight: np.ndarray, size: int) -> tuple[np.ndarray, ...]:
    """Parallel edges merged, their weights summed, sorted by source and target."""
    pairs, inverse = np.unique(source.astype(np.int64) * size + target, return_inverse=True)
    return pairs // size, pairs % size, np.bincount(inverse, weights=weight, minlength=len(pairs))
