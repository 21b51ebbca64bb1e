"""The report's sections: every table, number and figure, computed before rendering.

Each function takes a dataset and returns the template context of one section (plain lists,
strings and inline SVG), so that the template only lays out what is computed here.
"""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from markupsafe import Markup

from diffusion.data.dataset import Dataset
from diffusion.data.periods import period_labels
from diffusion.measures.spread import adopters_by_level, plural, spread_metrics
from diffusion.network.build import build_network
from diffusion.network.centrality import HitsWarning, centrality
from diffusion.report.figures import (
    SVG_RC,
    adoption_curves,
    diffusion_network,
    first_adoption_bars,
    most_adopted,
    period_legend,
    rate_heatmap,
    shown_of,
    similarity_clustermap,
    tile_map,
    to_svg,
)

__all__ = ["network_section", "spread_section", "strongest_edges", "svg_figure", "table"]


def table(
    df: pd.DataFrame,
    *,
    index: bool = False,
    formats: dict[str, str] | None = None,
    missing: dict[str, str] | None = None,
) -> dict:
    """A table as plain lists for the template and the result document; cells keep their type.

    Numbers stay numbers and a missing cell is None, so the JSON result document holds values,
    not display strings. How a cell is shown is the template's job: ``formats`` gives a column's
    format spec (``".3g"``, ``".0%"``, or ``"round:N"`` for the number rounded to N decimals; default
    ``str``), ``missing`` what an empty cell of a column shows (default nothing).

    Examples
    --------
    >>> t = table(pd.DataFrame({"p": [0.01234, float("nan")]}), formats={"p": ".2g"}, missing={"p": "n/a"})
    >>> t["rows"], t["formats"], t["missing"]
    ([[0.01234], [None]], ['.2g'], ['n/a'])
    """
    df = df.reset_index() if index else df
    columns = [str(c) for c in df.columns]
    formats, missing = formats or {}, missing or {}
    return {
        "columns": columns,
        "rows": [[plain_value(v) for v in row] for row in df.itertuples(index=False, name=None)],
        "formats": [formats.get(c) for c in columns],
        "missing": [missing.get(c, "") for c in columns],
    }


def plain_value(value: object) -> object:
    """A JSON-ready scalar: numpy and pandas scalars as Python ones, NaN and missing values as None.

    Examples
    --------
    >>> plain_value(np.float64(0.5)), plain_value(np.int64(3)), plain_value(float("nan")), plain_value(pd.NA)
    (0.5, 3, None, None)
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and not np.isfinite(value)):
        return None
    return value if isinstance(value, int | float | str | bool) else str(value)


def show(value: object, spec: str | None = None, missing: str = "") -> str:
    """A cell as the report shows it (the template's ``show`` filter).

    Examples
    --------
    >>> show(0.012345, ".3g"), show(None, ".3g", "not tested"), show(3), show(2.0004, "round:3")
    ('0.0123', 'not tested', '3', '2.0')
    """
    if value is None:
        return missing
    if spec and spec.startswith("round:"):
        return str(round(value, int(spec[6:])))  # type: ignore[call-overload]
    return format(value, spec) if spec else str(value)


def svg_of(make_figure) -> Markup:
    """Inline SVG of the figure that ``make_figure()`` creates.

    Text stays text and the browser renders it; matplotlib's own fonts may lack CJK glyphs,
    which only affects its size estimates, so those warnings are silenced here.
    """
    with plt.rc_context(SVG_RC), warnings.catch_warnings():  # type: ignore[arg-type]
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        return Markup(to_svg(make_figure()))


def svg_figure(draw, figsize: tuple[float, float], nrows: int = 1, ncols: int = 1) -> Markup:
    """Draw with ``draw(ax)`` (or ``draw(axes)`` for a grid) and return the figure as inline SVG."""

    def make():
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=nrows * ncols == 1)
        draw(axes)
        return fig

    return svg_of(make)


def strongest_edges(graph, k: int):
    """A copy of ``graph`` with only its ``k`` heaviest edges (ties broken by node names), all nodes kept."""
    edges = sorted(graph.edges(data="weight"), key=lambda e: (-e[2], e[0], e[1]))
    keep = graph.copy()
    keep.remove_edges_from([(u, v) for u, v, _ in edges[k:]])
    return keep


def network_section(ds: Dataset, lang: str, seed: int, top_k: int, max_arrows: int = 80) -> dict | None:
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
                    "out-strength": r.out_strength,
                    "reachability": int(r.reachability),
                    "in-strength": r.in_strength,
                    "pagerank": r.pagerank,
                }
            )
    graph = net.to_networkx("ties")
    n_arrows = graph.number_of_edges()
    drawn = strongest_edges(graph, max_arrows)
    last = wide[wide["batch"] == wide["batch"].max()].set_index("node")["out_strength"].to_dict()
    svg = svg_figure(lambda ax: diffusion_network(drawn, ax=ax, seed=seed, lang=lang, size=last), (7.5, 6))
    n_ties = len(net.ties)
    return {
        "level": net.level,
        "policy": net.policy.describe(),
        "excluded": net.excluded_events,
        "ties": n_ties,
        "edges": graph.number_of_edges(),
        "nodes": graph.number_of_nodes(),
        "figure": svg,
        "figure_alt": (
            f"Diffusion ties among {graph.number_of_nodes()} {net.level} units that adopted: "
            + (
                f"the {drawn.number_of_edges()} strongest of {n_arrows} arrows"
                if drawn.number_of_edges() < n_arrows
                else f"{n_arrows} arrows"
            )
            + " from earlier to later adopters, thicker for more weight; larger circles send more ties."
        ),
        "top": table(
            pd.DataFrame(rows), formats={"out-strength": "round:3", "in-strength": "round:3", "pagerank": "round:4"}
        )
        if rows
        else None,
        "top_k": top_k,
    }


def spread_section(ds: Dataset, lang: str, top_n: int = 6) -> dict | None:
    """Adoption curves, tile maps of first adoption and a summary per practice."""
    if not ds.events["time_known"].any():
        return None
    geo = ds.geography
    top = geo.levels[0]
    name = plural(top)
    m = spread_metrics(ds, by_series=False)
    period_label = period_labels(ds).set_index("period")["label"]
    reached = m[m["metric"] == f"{name}_reached"]
    last = reached["batch"].max()
    final = reached[reached["batch"] == last].set_index("practice")["value"].sort_values(ascending=False, kind="stable")
    chosen = list(final.head(top_n).index)
    vocab = ds.vocabulary
    key = "zh" if lang == "zh" else "en"
    # Plain text for seaborn: a categorical hue would draw every practice of the table.
    curves = (
        reached[reached["practice"].isin(chosen)]
        .astype({"practice": str, "metric": str})
        .assign(
            period_label=lambda d: d["batch"].map(period_label),
            practice_label=lambda d: d["practice"].map(lambda t: vocab.label(t, key)),
        )
    )
    curve_svg = svg_figure(lambda ax: adoption_curves(curves, ax=ax, ylabel=f"{name} reached"), (7.5, 3.6))
    ev = adopters_by_level(ds)
    ev = ev[ev[f"at_{top}"] != ""]
    unit_labels = {
        c: (
            geo.label(c, "zh")[:3] if lang == "zh" or not geo.units.at[c, "name_en"] else geo.units.at[c, "name_en"][:9]
        )
        for c in geo.level_units(top).index
    }
    n_periods = len(period_label)
    if geo.tiles is not None:
        cols = 3
        rows = -(-len(chosen) // cols)

        def draw(axes):
            for ax in axes.flat:
                ax.set_axis_off()
            for ax, practice in zip(axes.flat, chosen):
                first = ev[ev["practice"] == practice].groupby(f"at_{top}")["period"].min()
                tile_map(first, geo.tiles, ax=ax, n_periods=n_periods, lang=lang, title=vocab.label(practice, key))
            period_legend(axes.flat[0].figure, list(period_label))

        map_svg = svg_figure(draw, (10.5, 3.3 * rows + 0.6), rows, cols)
        map_alt = (
            f"Tile maps of {len(chosen)} practices: one square per {top}, darker for a later first "
            f"adoption, grey where the practice has not arrived."
        )
    else:
        first = ev.groupby(f"at_{top}")["period"].min()
        map_svg = svg_figure(lambda ax: first_adoption_bars(first, unit_labels, ax=ax), (6, 0.25 * len(first) + 1))
        map_alt = f"Bar chart of {top} units sorted by the period of their first adoption of any practice."
    rows_out, sentences = [], []
    origin_units = ev.sort_values(["period", "unit_id"]).groupby("practice")
    # Grouped once: selecting each practice from millions of rows (700 practices x 200 periods) took 25 s.
    history = {p: g.set_index("metric") for p, g in m[m["batch"].isna()].groupby("practice", sort=False)}
    population = geo.population(top)
    for practice in final.index:
        sub = history[practice]
        origin = int(sub.at["origin_period", "value"])
        origins = origin_units.get_group(practice)
        origins = origins[origins["period"] == origin]["unit_name"].drop_duplicates().tolist()
        bass = sub.loc[["bass_p", "bass_q", "bass_m"]]
        if bass["value"].isna().any():
            bass_text = bass["note"].iloc[0]
        else:
            p, q = bass.at["bass_p", "value"], bass.at["bass_q", "value"]
            bass_text = f"p = {p:.3f}, q = {q:.3f} ({'imitation' if q > p else 'external influence'} dominates)"
        macro = sub["value"].get("periods_to_all_macro_regions", float("nan"))
        row = {
            "tag": practice,
            "practice": vocab.label(practice, "en"),
            "做法": vocab.label(practice, "zh"),
            "origin": period_label.get(origin, origin),
            "origin units": "、".join(origins[:3]) + (f" (+{len(origins) - 3})" if len(origins) > 3 else ""),
            f"{name} reached": int(final[practice]),
            f"share of {name}": final[practice] / population,
            "periods to all macro-regions": "" if pd.isna(macro) else int(macro),
            "scale-up ratio": float(sub.at["scale_up_ratio", "value"]),
            "Bass model": bass_text,
        }
        rows_out.append(row)
        if practice in chosen:
            sentences.append(
                f"{row['practice']} ({row['做法']}) first appears in {row['origin']} at {row['origin units']}; "
                f"by {period_label.get(last, last)} it has reached {row[f'{name} reached']} of "
                f"{population} {name} ({row[f'share of {name}']:.0%}); scale-up ratio "
                f"{row['scale-up ratio']:.2f} (adopters outside the origin {name} per origin adopter). "
                + (
                    f"It reached every macro-region after {row['periods to all macro-regions']} period(s). "
                    if row["periods to all macro-regions"] != ""
                    else "It has not reached every macro-region. "
                )
                + (
                    f"Bass model: {row['Bass model']}."
                    if not row["Bass model"].startswith("not")
                    else f"Bass model {row['Bass model']}."
                )
            )
    return {
        "curves": curve_svg,
        "curves_alt": f"Line chart of {name} reached per period for the {len(chosen)} most widespread practices.",
        "map": map_svg,
        "map_alt": map_alt,
        "summary": table(pd.DataFrame(rows_out), formats={f"share of {name}": ".0%", "scale-up ratio": "round:2"}),
        "innovators": _innovators(ds, lang),
        "sentences": sentences,
        "top": top,
        "name": name,
    }


def _innovators(ds: Dataset, lang: str, n: int = 10) -> dict:
    """The top-level units with the highest Walker scores, with their rank earliness and breadth."""
    from diffusion.measures.innovativeness import region_profiles

    p = region_profiles(ds)
    p = p[p["breadth"] > 0].sort_values(["walker_score", "rank_earliness", "region"], ascending=[False, False, True])
    name = p["name_zh"] if lang == "zh" else p["name_en"].where(p["name_en"] != "", p["name_zh"])
    shown = p.assign(name=name)[["region", "name", "walker_score", "rank_earliness", "breadth", "first_period"]]
    return table(shown.head(n), formats={"walker_score": "round:3", "rank_earliness": "round:3"})


#: Tests run when a report is made without a hypotheses file.
DEFAULT_HYPOTHESES: list[dict] = [
    {"test": "neighbour"},
    {"test": "gradient"},
    {"test": "join-counts"},
    {"test": "moran"},
    {"test": "structure"},
    {"test": "coadoption", "permutations": 199},
    {"test": "event-history"},
]


def tests_section(ds: Dataset, hypotheses: list[dict] | None, seed: int) -> dict | None:
    """Results of the hypotheses (FDR-adjusted together) and a method card per test used."""
    from diffusion.stats.hypotheses_file import run_hypotheses
    from diffusion.stats.registry import TESTS

    if not ds.events["time_known"].any():
        return None
    chosen = hypotheses or DEFAULT_HYPOTHESES
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HitsWarning)
        frame, results = run_hypotheses(ds, chosen, seed=seed, progress=False)
    shown = frame[
        ["test", "practice", "statistic", "effect", "p_value", "mid_p", "q_value", "null model", "interpretation"]
    ]
    questions = {r.name: r.question for r in results}
    cards = [
        {
            "name": n,
            "question": questions[n],
            "statistic": TESTS[n].card.statistic,
            "null": TESTS[n].card.null,
            "caveat": TESTS[n].card.caveat,
        }
        for n in dict.fromkeys(frame["test"])
    ]
    models = [model_figure(r) for r in results if r.name == "event-history" and r.supported]
    return {
        "models": models,
        "table": table(
            shown,
            formats={"statistic": ".4g", "effect": "+.4g", "p_value": ".3g", "mid_p": ".3g", "q_value": ".3g"},
            missing={"statistic": "not tested"},
        ),
        "cards": cards,
        "default": hypotheses is None,
        "seed": seed,
        "n": len(frame),
        "tested": int(frame["supported"].sum()),
    }


def model_figure(result) -> dict:
    """The event-history model of a test result: a forest plot and its coefficient table."""
    from diffusion.report.figures import forest_plot

    coefficients = pd.DataFrame(result.details["coefficients"])
    scale = {"logit": "odds", "cloglog": "hazard"}.get(result.details["link"], "probability")
    figure = svg_figure(lambda ax: forest_plot(coefficients, ax=ax, scale=scale), (6.5, 0.45 * len(coefficients) + 1.2))
    shown = coefficients[[c for c in ("term", "estimate", "ratio", "lower", "upper", "p_value") if c in coefficients]]
    return {
        "figure": figure,
        "alt": f"Forest plot of the {len(coefficients)} terms of the event-history model ({result.details['formula']}) "
        f"with 95 % intervals; {result.details['clusters']} clusters, inference: {result.details['inference']}.",
        "table": table(shown, formats=dict.fromkeys(["estimate", "ratio", "lower", "upper", "p_value"], ".3g")),
        "formula": result.details["formula"],
    }


def compare_section(ds: Dataset, lang: str, seed: int, n_permutations: int = 999) -> dict | None:
    """Macro-regions compared: rates with denominators, curves, intervals, tests and a paragraph each."""
    from diffusion.measures import compare

    geo = ds.geography
    top = geo.levels[0]
    regions = sorted(set(geo.level_units(top)["macro_region"]) - {""})
    if len(regions) < 2:
        return None
    level = compare.default_level(ds)
    groups = compare.assign_groups(ds, "macro-region", level)
    table_, tests = compare.compare_groups(
        ds, "macro-region", level=level, n_boot=999, n_permutations=n_permutations, seed=seed, progress=False
    )
    # Practice x province rates (units of the level adopting / units of the level in the province).
    provinces = compare.assign_groups(ds, "province", level)
    matrix = compare.adoption_matrix(ds, provinces, level)
    final = matrix[matrix["batch"].isna()]
    rates = final.pivot_table(index="practice", columns="group", values="rate", fill_value=0.0)
    macro = {geo.label(c, "zh"): geo.macro_region(c) for c in geo.level_units(top).index}
    rates = rates.reindex(columns=sorted(set(provinces.dropna())), fill_value=0.0)  # every province, adopter or not
    cols = sorted(rates.columns, key=lambda g: (regions.index(macro[g]) if macro.get(g) in regions else 99, g))
    rates = rates[cols]
    rates.index = [ds.vocabulary.label(t, "zh" if lang == "zh" else "en") for t in rates.index]
    rates.columns = [f"{c} ({macro.get(c, '')[:1]})" for c in cols]
    drawn = most_adopted(rates, rates.mean(axis=1))
    heat = svg_figure(
        lambda ax: rate_heatmap(drawn, ax=ax, label=f"share of {plural(level)} adopting"),
        (1.2 + 0.32 * drawn.shape[1] + 3, 1 + 0.3 * drawn.shape[0]),
    )
    # Curves: share of the level's units in each macro-region that adopted any practice by each period.
    labels = period_labels(ds).set_index("period")["label"]
    first = compare.unit_table(ds, level).dropna(subset=["period"]).groupby("unit")["period"].min()
    rows = []
    denominators = groups.value_counts()
    for group in regions:
        members = first[first.index.map(groups) == group]
        for p, label in labels.items():
            rows.append(
                {"period_label": label, "practice_label": group, "value": (members <= p).sum() / denominators[group]}
            )
    curves = (
        svg_figure(
            lambda ax: adoption_curves(pd.DataFrame(rows), ax=ax, ylabel=f"share of {plural(level)} adopting"),
            (7.5, 3.4),
        )
        if rows  # no adoption with a known time: no curve to draw
        else None
    )
    # Portfolio similarity between provinces that adopted anything, clustered in a stable order.
    sim = compare.portfolio_similarity(ds, provinces, level, "jaccard")
    cluster = (
        svg_of(lambda: similarity_clustermap(sim, compare.similarity_linkage(sim), label="Jaccard similarity"))
        if len(sim) >= 3
        else None
    )
    shown = table_[["measure", "group", "value", "lower", "upper", "adopters", "units"]]
    shown = shown.rename(
        columns={"units": f"{plural(level)} (denominator)", "lower": "95% lower", "upper": "95% upper"}
    )
    return {
        "level": level,
        "name": plural(level),
        "heatmap": heat,
        "curves": curves,
        "heatmap_alt": f"Heatmap of the share of {plural(level)} adopting each of "
        f"{shown_of(drawn, rates, 'practices')} in each province, provinces ordered by macro-region.",
        "curves_alt": f"Share of {plural(level)} in each macro-region that adopted any practice, by period.",
        "cluster": cluster,
        "cluster_alt": f"Clustered heatmap of the Jaccard similarity of the practice portfolios of {len(sim)} "
        "provinces.",
        "table": table(shown, formats=dict.fromkeys(["value", "95% lower", "95% upper"], "round:4")),
        "paragraphs": list(tests["interpretation"]) if len(tests) else [],
        "tests": table(
            tests[["measure", "statistic", "effect", "p_value", "null_model"]],
            formats=dict.fromkeys(["statistic", "effect", "p_value"], "round:4"),
        )
        if len(tests)
        else None,
    }
