"""The report's section on the latent diffusion network inferred by NetInf."""

from __future__ import annotations

import networkx as nx
import pandas as pd

from diffusion.data.dataset import Dataset
from diffusion.errors import DiffusionError
from diffusion.i18n import level_name, t
from diffusion.network.cascades import dataset_cascades
from diffusion.network.inferred import adjacency_overlap, senders_receivers
from diffusion.network.netinf_search import netinf
from diffusion.report.figures import diffusion_network
from diffusion.report.maps import map_frame
from diffusion.report.sections import strongest_edges, svg_figure, table

__all__ = ["INFERRED_CARD", "inferred_section"]

#: The method card (calibration: benchmarks/netinf_calibration.py; recovery: benchmarks/netinf_speed.py).
INFERRED_CARD = {
    "name": t("inferred network (NetInf)"),
    "question": t("Along which network did the practices spread, judging by who adopts after whom?"),
    "statistic": t(
        "NetInf (Gomez-Rodriguez, Leskovec & Krause 2010; NetworkInference, Desmarais, Harden & Boehmke 2015): each "
        "practice is a cascade of first adoptions by units of one level, in years since the first period. Every "
        "adopter learnt from one earlier adopter, over a network edge (probability 0.5 times an exponential density "
        "of the delay, its rate midway between the chain and fan estimates) or over a background edge (1e-9); edges "
        "are added greedily, each tested by NetworkInference's Vuong-type test. Equal to a brute-force likelihood on "
        "small cases; planted networks of 20 to 200 units recovered with precision 0.99-1.00 and recall 0.98-1.00."
    ),
    "null": t(
        "Each step's Vuong p-value is ranked among the same step's on 199 copies of the data with adoption times "
        "shuffled among each practice's adopters; edges are kept while that rank is at most 5 %. Calibration of "
        "'some network' on independent nulls (200 datasets each, alpha 0.05): practice-specific rates 0.046, "
        "top-down shock 0.025, clustered breadth 0.046 (NetworkInference's uncalibrated rule: 0.99 to 1.00); "
        "East-to-West gradient 0.22; planted neighbour contagion: power 0.30. Neighbour overlap, against random "
        "draws of possible edges with as much evidence (300 datasets each): p 0.038, 0.024, 0.014 (mid-p 0.055, "
        "0.038, 0.020), power 0.78 (0.80)."
    ),
    "caveat": t(
        "An edge is a regularity in timing, not an observed contact: a unit that always adopts a year after another "
        "is its inferred source even if both follow a third, and units that lead in every practice (an East-to-West "
        "gradient) send edges. Adoptions in the same period cannot teach each other, so with a few batches few edges "
        "can be found."
    ),
}


#: Pairs of adopters (earlier, later) in all cascades above which the report leaves NetInf to ``diffusion infer``.
MAX_PAIRS = 1_000_000


def inferred_section(ds: Dataset, lang: str, seed: int, max_arrows: int = 80) -> dict | None:
    """The inferred network on the map, senders and receivers, overlap with adjacency; None without
    timed adoptions. When NetInf cannot run (too few cascades, too large), the reason is the note."""
    if not ds.events["time_known"].any():
        return None
    geo = ds.geography
    try:
        cascades = dataset_cascades(ds)
        pairs = int((cascades.sizes * (cascades.sizes - 1) // 2).sum())
        if pairs > MAX_PAIRS:
            raise DiffusionError(
                t(
                    "{pairs:,} pairs of adopters are more than the report calibrates ({most:,}); run `diffusion infer` "
                    "(its --calibrate 0 is NetworkInference's uncalibrated rule, fast at any size).",
                    pairs=pairs,
                    most=MAX_PAIRS,
                )
            )
        net = netinf(cascades, seed=seed, progress=False)
    except DiffusionError as exc:
        return {"note": exc.args[0] if exc.args else str(exc), "card": INFERRED_CARD}  # a message keeps its template
    level = level_name(geo.level_of(cascades.units[0]))
    out = {"note": "", "card": INFERRED_CARD, "level": level, "describe": net.describe(), "edges": len(net.edges)}
    out["sizes"] = t("{n} of {total} practices", n=int((cascades.sizes >= 2).sum()), total=len(cascades.names))
    if not len(net.edges):
        return out | {"figure": None, "table": None, "units": None, "overlap": None}
    try:
        out["overlap"] = adjacency_overlap(net, ds).describe()
    except DiffusionError:
        out["overlap"] = None  # no neighbour graph at this level
    name = {u: geo.label(u, "zh" if lang == "zh" else "en") for u in cascades.units}
    graph = _graph(net, ds)
    drawn = strongest_edges(graph, max_arrows)
    drawn.remove_nodes_from([n for n in list(drawn) if drawn.degree(n) == 0])
    sent = senders_receivers(net).set_index("unit")["sent_improvement"].to_dict()
    frame = map_frame(ds.geography)
    out["figure"] = svg_figure(
        lambda ax: diffusion_network(drawn, ax=ax, seed=seed, lang=lang, size=sent, frame=frame), (7.5, 6)
    )
    out["alt"] = t(
        "The {k} strongest of {n} inferred edges among {level} units, at the units' coordinates where known; thicker "
        "arrows add more to the likelihood, larger circles send more.",
        k=drawn.number_of_edges(),
        n=len(net.edges),
        level=level,
    )
    edges = net.edges.assign(source=net.edges["source"].map(name), target=net.edges["target"].map(name)).drop(
        columns="step"
    )
    out["table"] = table(edges.head(30), formats={"improvement": ".4g", "p_value": ".3g"})
    units = senders_receivers(net).head(15).assign(unit=lambda d: d["unit"].map(name))
    out["units"] = table(units, formats=dict.fromkeys(["sent_improvement", "received_improvement"], ".4g"))
    return out


def _graph(net, ds: Dataset) -> nx.DiGraph:
    """The inferred edges as a graph for drawing: units with labels and coordinates, weight = improvement."""
    geo = ds.geography
    units = net.cascades.units
    points = geo.points(units)
    g = nx.DiGraph()
    for u, lat, lon in zip(units, points["lat"], points["lon"]):
        where = {} if pd.isna(lat) or pd.isna(lon) else {"lat": float(lat), "lon": float(lon)}
        g.add_node(u, label_en=geo.label(u, "en"), label_zh=geo.label(u, "zh"), **where)
    for r in net.edges.itertuples(index=False):
        g.add_edge(r.source, r.target, weight=float(r.improvement))
    return g
