"""The HTML report: one self-contained file per dataset (figures inline, no external resources).

The report is rendered with Jinja2 and autoescaping on, from tables computed beforehand; no
analysis happens inside the template. It is written to a temporary file and renamed, so an
error never leaves a half-written report. The same input gives byte-identical HTML.
"""

from __future__ import annotations

import platform
import re
import warnings
from importlib import metadata
from pathlib import Path

import jinja2
import matplotlib.pyplot as plt
import pandas as pd
from markupsafe import Markup

from diffusion.centrality import HitsWarning, centrality
from diffusion.dataset import Dataset
from diffusion.export import atomic_write
from diffusion.figures import SVG_RC, adoption_heatmap, diffusion_network, to_svg
from diffusion.network import build_network
from diffusion.summary import counts_by_period_practice, counts_by_region

__all__ = ["render_report", "report_filename", "write_report"]

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("diffusion", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def report_filename(ds: Dataset) -> str:
    """A safe file name for the dataset's report (names from data never steer the path)."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", ds.name).strip("-.") or "dataset"
    return f"{stem}-report.html"


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("policy-diffusion", "pandas", "numpy", "matplotlib", "seaborn", "networkx", "Jinja2"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _table(df: pd.DataFrame, *, index: bool = False) -> dict:
    """A table as plain lists for the template (cells are escaped there)."""
    df = df.reset_index() if index else df
    cells = df.astype(object).where(df.notna(), "")
    return {"columns": [str(c) for c in df.columns], "rows": cells.astype(str).values.tolist()}


def _figure(counts: pd.DataFrame, lang: str) -> str:
    # Text stays text in the SVG and the browser renders it; matplotlib's own fonts may lack
    # CJK glyphs, which only affects its size estimates, so those warnings are noise here.
    with plt.rc_context(SVG_RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        n_rows, n_cols = counts.shape[0], counts.shape[1] - 3
        fig, ax = plt.subplots(figsize=(2.2 + 1.1 * n_cols + 2.5, 0.8 + 0.32 * n_rows))
        adoption_heatmap(counts, ax=ax, lang=lang)
        return to_svg(fig)


def _strongest(graph, k: int):
    """A copy of ``graph`` with only its ``k`` heaviest edges (ties broken by node names), all nodes kept."""
    edges = sorted(graph.edges(data="weight"), key=lambda e: (-e[2], e[0], e[1]))
    keep = graph.copy()
    keep.remove_edges_from([(u, v) for u, v, _ in edges[k:]])
    return keep


def _network_section(ds: Dataset, lang: str, seed: int, top_k: int, max_arrows: int = 80) -> dict | None:
    """The region diffusion network (top level, default tie policy): drawing and top-k tables."""
    if not ds.events["time_known"].any():
        return None
    net = build_network(ds)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HitsWarning)  # the report reads out-strength and reachability
        c = centrality(net, graphs=("ties",), scopes=("cumulative",))
    labels = net.periods.set_index("period")["label"]
    names = net.nodes.set_index("node")
    wide = c.pivot_table(index=["batch", "node"], columns="metric", values="value").reset_index()
    rows = []
    for batch, g in wide.groupby("batch", sort=True):
        if not (g["out_strength"] > 0).any():
            continue  # no ties yet: nothing to rank
        best = g.sort_values(["out_strength", "reachability", "node"], ascending=[False, False, True]).head(top_k)
        for rank, r in enumerate(best.itertuples(index=False), start=1):
            rows.append(
                {
                    "period": labels[batch],
                    "rank": rank,
                    "region": names.at[r.node, "label_zh"] or r.node,
                    "region (en)": names.at[r.node, "label_en"],
                    "out-strength": round(r.out_strength, 3),
                    "reachability": int(r.reachability),
                    "in-strength": round(r.in_strength, 3),
                    "pagerank": round(r.pagerank, 4),
                }
            )
    graph = net.to_networkx("ties")
    n_arrows = graph.number_of_edges()
    drawn = _strongest(graph, max_arrows)
    last = wide[wide["batch"] == wide["batch"].max()].set_index("node")["out_strength"].to_dict()
    with plt.rc_context(SVG_RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        fig, ax = plt.subplots(figsize=(7.5, 6))
        diffusion_network(drawn, ax=ax, seed=seed, lang=lang, size=last)
        svg = to_svg(fig)
    n_ties = len(net.ties)
    return {
        "level": net.level,
        "policy": net.policy.describe(),
        "excluded": net.excluded_events,
        "ties": n_ties,
        "edges": graph.number_of_edges(),
        "nodes": graph.number_of_nodes(),
        "figure": Markup(svg),
        "figure_alt": (
            f"Diffusion ties among {graph.number_of_nodes()} {net.level} units that adopted: "
            + (
                f"the {drawn.number_of_edges()} strongest of {n_arrows} arrows"
                if drawn.number_of_edges() < n_arrows
                else f"{n_arrows} arrows"
            )
            + " from earlier to later adopters, thicker for more weight; larger circles send more ties."
        ),
        "top": _table(pd.DataFrame(rows)) if rows else None,
        "top_k": top_k,
    }


def render_report(
    ds: Dataset, *, command: str = "diffusion report", lang: str = "en", seed: int = 0, top_k: int = 5
) -> str:
    """The report of a dataset as an HTML string.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> html = render_report(load_dataset("leading-cases"))
    >>> "23 of 123 cases placed in a batch" in html
    True
    """
    geo = ds.geography
    counts = counts_by_period_practice(ds)
    regions = counts_by_region(ds)
    top = geo.levels[0]
    ev = ds.events
    reached = int(regions.shape[0])
    summary = {
        "cases": int(ds.cases["case_id"].nunique()),
        "units": int(ev["unit_id"].nunique()),
        "events": len(ev),
        "practices": int(ev["practice"].nunique()),
        "periods": int(ev["period"].nunique()),
        "reached": f"{reached} of {geo.population(top)} units at {top} level",
        "levels": ", ".join(
            f"{lvl}: {n}"
            for lvl, n in ev.drop_duplicates("unit_id")["unit_level"]
            .value_counts()
            .reindex([*geo.levels, *geo.sub_levels])
            .dropna()
            .astype(int)
            .items()
        ),
    }
    region_table = regions.rename(
        columns={
            "code": f"{top} code",
            "units": "adopting units",
            "events": "adoption events",
            "first_date": "first adoption",
        }
    )
    counts_table = counts.reset_index().rename(columns={"practice": "tag"})
    series = ds.series[["id", "label_en", "label_zh", "official_total", "official_total_note"]]
    batch_cov = ds.batch_coverage()[["series", "batch", "date", "official_count", "cases"]].rename(
        columns={"cases": "cases found"}
    )
    warning_rows = ds.warnings.drop(columns="file").assign(file=ds.input["path"]) if len(ds.warnings) else None
    vocab = ds.vocabulary.table[ds.vocabulary.table["tag_id"].isin(ev["practice"])]
    context = {
        "title": ds.title,
        "name": ds.name,
        "lang": lang,
        "summary": summary,
        "coverage": ds.coverage_statements(),
        "series": _table(series),
        "batch_coverage": _table(batch_cov),
        "warnings": _table(warning_rows) if warning_rows is not None else None,
        "network": _network_section(ds, lang, seed, top_k),
        "seed": seed,
        "counts": _table(counts_table),
        "figure": Markup(_figure(counts, lang)),
        "figure_alt": (
            f"Heatmap of adopting units for {len(counts)} practices across "
            f"{counts.shape[1] - 3} periods; darker cells mean more adopting units."
        ),
        "regions": _table(region_table),
        "top_level": top,
        "vocabulary": _table(vocab[["tag_id", "label_en", "label_zh", "chen2023_category", "chen2023_keyword"]]),
        "promotion": _table(ds.promotion_events.drop(columns=["notes"], errors="ignore"))
        if ds.promotion_events is not None
        else None,
        "sources": _table(ds.sources[["source_id", "kind", "citation"]]) if ds.sources is not None else None,
        "input": ds.input,
        "geography": {"title": geo.title, "notes": geo.notes, "source": geo.name},
        "manifest_note": ds.manifest.get("transcribed_from", ""),
        "versions": _versions(),
        "command": command,
    }
    return _ENV.get_template("report.html.j2").render(**context)


def write_report(
    ds: Dataset, out_dir: str | Path = "reports", *, command: str = "diffusion report", lang: str = "en", seed: int = 0
) -> Path:
    """Render the report and write it atomically into ``out_dir``; returns its path."""
    out_dir = Path(out_dir)
    html = render_report(ds, command=command, lang=lang, seed=seed)
    target = out_dir / report_filename(ds)
    atomic_write(target, lambda tmp: tmp.write_text(html, encoding="utf-8", newline="\n"))
    return target
