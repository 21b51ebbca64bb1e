"""Writing a network to a file: GraphML, GEXF (with a timeline) or node-link JSON, atomically."""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx

from diffusion.errors import DiffusionError
from diffusion.output import atomic_write

__all__ = ["GRAPH_FORMATS", "write_graph"]

GRAPH_FORMATS = (".graphml", ".gexf", ".json")


def write_graph(graph: nx.Graph, path: str | Path) -> Path:
    """Write a networkx graph as GraphML, GEXF or node-link JSON, chosen by the file's suffix.

    GEXF files carry ``start`` periods on nodes and edges (from ``first_period``/``period``), so
    Gephi's timeline replays the diffusion.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in GRAPH_FORMATS:
        raise DiffusionError(f"{path}: unknown graph format '{suffix}'; use one of {list(GRAPH_FORMATS)}.")
    graph = _legal(graph)
    if suffix == ".graphml":
        g = _flat(graph)
        return atomic_write(path, lambda tmp: nx.write_graphml(g, tmp))
    if suffix == ".gexf":
        g = _flat(graph)
        g.graph["mode"] = "dynamic"
        for _, attrs in g.nodes(data=True):
            if "first_period" in attrs:
                attrs["start"] = attrs["first_period"]
        for _, _, attrs in g.edges(data=True):
            if "period" in attrs:
                attrs["start"] = attrs["period"]
        return atomic_write(path, lambda tmp: nx.write_gexf(g, tmp))
    data = nx.node_link_data(graph, edges="links")
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True, default=str)
    return atomic_write(path, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8"))


def _flat(graph: nx.Graph) -> nx.Graph:
    """GraphML and GEXF take only scalar graph attributes: nested ones become JSON strings."""
    g = graph.copy()
    for key, value in list(g.graph.items()):
        if isinstance(value, dict | list):
            g.graph[key] = json.dumps(value, sort_keys=True)
    return g


# Characters XML 1.0 does not allow (controls, lone surrogates, U+FFFE/FFFF): GraphML and GEXF with
# them cannot be read back, and lone surrogates cannot be written as UTF-8 at all.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape(text: str) -> str:
    r"""``text`` with every character XML cannot hold written as ``\xNN`` or ``\uNNNN``.

    Examples
    --------
    >>> _escape("Ash\x07ford")
    'Ash\\x07ford'
    """
    return _ILLEGAL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text)


def _legal(graph: nx.Graph) -> nx.Graph:
    """A copy whose node names and text attributes hold only characters XML allows (escaped)."""

    def clean(value):
        return _escape(value) if isinstance(value, str) else value

    g = nx.relabel_nodes(graph, {n: clean(n) for n in graph.nodes}, copy=True)
    g.graph.update({k: clean(v) for k, v in g.graph.items()})
    for _, attrs in g.nodes(data=True):
        attrs.update({k: clean(v) for k, v in attrs.items()})
    for *_, attrs in g.edges(data=True):
        attrs.update({k: clean(v) for k, v in attrs.items()})
    return g
