"""The report's sections: every table, number and figure, computed before rendering.

Each function takes a dataset and returns the template context of one section (plain lists,
strings and inline SVG), so that the template only lays out what is computed here.
"""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure

from diffusion.data.dataset import Dataset
from diffusion.data.periods import period_edges, period_labels, period_years
from diffusion.i18n import Text, joined, level_name, level_plural, messages, t
from diffusion.measures.spread import adopters_by_level, plural, spread_metrics
from diffusion.network.build import build_network
from diffusion.network.centrality import HitsWarning, centrality
from diffusion.report.figures import (
    adoption_curves,
    diffusion_network,
    first_adoption_bars,
    period_legend,
    tile_map,
)
from diffusion.report.maps import map_frame
from diffusion.report.svg_export import SVG_RC, to_svg

__all__ = ["network_section", "spread_section", "strongest_edges", "svg_figure", "table"]


#: Rows of a table shown on the page; longer tables are complete in their CSV download.
MAX_TABLE_ROWS = 100


def table(
    df: pd.DataFrame,
    *,
    index: bool = False,
    formats: dict[str, str] | None = None,
    missing: dict[str, str] | None = None,
    shown: int = MAX_TABLE_ROWS,
    full: pd.DataFrame | None = None,
) -> dict:
    """A table as plain lists for the template and the result document; cells keep their type.

    Numbers stay numbers and a missing cell is None, so the JSON result document holds values,
    not display strings. How a cell is shown is the template's job: ``formats`` gives a column's
    format spec (``".3g"``, ``".0%"``, ``"round:N"`` for the number rounded to N decimals, or ``"code"``
    for an identifier such as a test's name, shown as code; default ``str``), ``missing`` what an empty
    cell of a column shows (default nothing).

    A long table shows its first ``shown`` rows on the page; all of them are in the result document
    and in the table's CSV download (embedded, compressed). ``full`` is a longer form of the table
    for the download and the document only (e.g. every period where the page gathers them).

    Examples
    --------
    >>> out = table(pd.DataFrame({"p": [0.01234, float("nan")]}), formats={"p": ".2g"}, missing={"p": "n/a"})
    >>> out["rows"], out["formats"], out["missing"]
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
        "shown": min(len(df), shown),
        "full": table(full, index=index, shown=len(full)) if full is not None else None,
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
    if spec == "code":
        return str(value)
    if spec and spec.startswith("round:"):
        return str(round(value, int(spec[6:])))  # type: ignore[call-overload]
    return format(value, spec) if spec else str(value)


def svg_of(make_figure) -> Markup:
    """Inline SVG of the figure that ``make_figure()`` creates.

    Text stays text and the browser renders it; matplotlib's own fonts may lack CJK glyphs,
    which only affects its size estimates, so those warnings are silenced here.
    """
    with matplotlib.rc_context(SVG_RC), warnings.catch_warnings():  # type: ignore[arg-type]
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        return Markup(to_svg(make_figure()))


def svg_figure(draw, figsize: tuple[float, float], nrows: int = 1, ncols: int = 1) -> Markup:
    """Draw with ``draw(ax)`` (or ``draw(axes)`` for a grid) and return the figure as inline SVG.

    The figure is made without pyplot, so a notebook's backend and its open figures are left alone.
    """

    def make():
        fig = Figure(figsize=figsize)
        draw(fig.subplots(nrows, ncols, squeeze=nrows * ncols == 1))
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
    frame = map_frame(ds.geography)
    svg = svg_figure(lambda ax: diffusion_network(drawn, ax=ax, seed=seed, lang=lang, size=last, frame=frame), (7.5, 6))
    n_ties = len(net.ties)
    return {
        "level": level_name(net.level),
        "policy": net.policy.describe(),
        "excluded": net.excluded_events,
        "ties": n_ties,
        "edges": graph.number_of_edges(),
        "nodes": graph.number_of_nodes(),
        "figure": svg,
        "figure_alt": t(
            "Diffusion ties among {nodes} {level} units that adopted: {arrows} from earlier to later adopters, "
            "thicker for more weight; larger circles send more ties.",
            nodes=graph.number_of_nodes(),
            level=level_name(net.level),
            arrows=t("the {k} strongest of {n} arrows", k=drawn.number_of_edges(), n=n_arrows)
            if drawn.number_of_edges() < n_arrows
            else t("{n} arrows", n=n_arrows),
        ),
        "top": table(
            pd.DataFrame(rows), formats={"out-strength": "round:3", "in-strength": "round:3", "pagerank": "round:4"}
        )
        if rows
        else None,
        "top_k": top_k,
    }


def spread_section(ds: Dataset, lang: str, top_n: int = 6) -> dict | None:
    """Adoption curves, hazards per period, adopter categories, tile maps of first adoption and a summary per
    practice."""
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
    years = period_years(ds)

    def lines(metric: str, ylabel: Text, step: bool = False) -> Markup:
        """One line per chosen practice of ``metric`` on the time axis, named at its end."""
        data = (
            m[(m["metric"] == metric) & m["practice"].isin(chosen) & m["batch"].notna()]
            .astype({"practice": str, "metric": str})
            .assign(
                x=lambda d: d["batch"].astype(int).map(years),
                label=lambda d: d["practice"].map(lambda tag: vocab.label(tag, key)),
            )
        )
        end = float(period_edges(ds)[-1]) if step else None  # the last period's step runs to its end
        return svg_figure(
            lambda ax: adoption_curves(data, ax=ax, ylabel=ylabel, time=str(years.name), step=step, end=end, lang=lang),
            (7.5, 3.6),
        )

    curve_svg = lines(f"{name}_reached", t("{units} reached", units=level_plural(top)))
    hazard_svg = lines(f"hazard_{name}", t("hazard (new adopters / units at risk)"), step=True)
    categories_svg = _categories_figure(ds, chosen, top, lang)
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
            period_legend(axes.flat[0].figure, list(period_label), lang)

        map_svg = svg_figure(draw, (10.5, 3.3 * rows + 0.6), rows, cols)
        map_alt = t(
            "Tile maps of {n} practices: one square per {level}, darker for an earlier first adoption, grey where the "
            "practice has not arrived.",
            n=len(chosen),
            level=level_name(top),
        )
    else:
        first = ev.groupby(f"at_{top}")["period"].min()
        map_svg = svg_figure(
            lambda ax: first_adoption_bars(first, unit_labels, ax=ax, lang=lang), (6, 0.25 * len(first) + 1)
        )
        map_alt = t(
            "Bar chart of {level} units sorted by the period of their first adoption of any practice.",
            level=level_name(top),
        )
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
            bass_text = t(
                "p = {p:.3f}, q = {q:.3f} ({dominant} dominates)",
                p=p,
                q=q,
                dominant=t("imitation") if q > p else t("external influence"),
            )
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
            both = (
                f"{row['practice']} ({row['做法']})"
                if row["做法"] and row["做法"] != row["practice"]
                else row["practice"]
            )
            label = row["做法"] or row["practice"] if lang == "zh" else both
            fitted = not bass["value"].isna().any()
            sentences.append(_spread_sentence(row, label, period_label.get(last, last), top, population, fitted))
    return {
        "curves": curve_svg,
        "curves_alt": t(
            "Line chart of {units} reached per period for the {n} most widespread practices.",
            units=level_plural(top),
            n=len(chosen),
        ),
        "hazard": hazard_svg,
        "hazard_alt": t(
            "Steps of the hazard per period for the {n} most widespread practices: of the {units} that a practice "
            "had not reached when a period began, the share it reached in that period. A hazard that rises as "
            "adopters accumulate points to imitation (the Bass model's q); a flat one, to a steady push from outside "
            "(p). Where periods differ in length, compare their hazards with care.",
            units=level_plural(top),
            n=len(chosen),
        ),
        "categories": categories_svg,
        "categories_alt": t(
            "New {units} adopting in each period, for the {n} most widespread practices, shaded by Rogers' adopter "
            "category: innovators before the mean adoption period minus two standard deviations, early adopters "
            "before minus one, the early majority before the mean, the late majority before plus one, laggards after.",
            units=level_plural(top),
            n=len(chosen),
        ),
        "map": map_svg,
        "map_alt": map_alt,
        "summary": table(_spread_frame(rows_out), formats={f"share of {name}": ".0%", "scale-up ratio": "round:2"}),
        "innovators": _innovators(ds, lang),
        "sentences": sentences,
        "top": level_name(top),
        "name": level_plural(top),
    }


def _categories_figure(ds: Dataset, practices: list[str], level: str, lang: str) -> Markup:
    """Small multiples of new adopters per period by Rogers' category, one panel per practice."""
    from diffusion.report.spread_figures import practice_categories

    cols = min(len(practices), 3)
    rows = -(-len(practices) // cols)

    def draw(axes):
        flat = list(np.ravel(axes))
        for ax in flat[len(practices) :]:
            ax.set_axis_off()
        practice_categories(ds, practices, flat, level, lang)
        flat[0].figure.subplots_adjust(hspace=0.8, wspace=0.35, bottom=0.5 / (2.1 * rows + 0.7))

    return svg_figure(draw, (3.0 * cols + 0.3, 2.1 * rows + 0.7), rows, cols)


def _spread_frame(rows: list[dict]) -> pd.DataFrame:
    """The spread table, its Bass column kept as messages."""
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["Bass model"] = messages((r["Bass model"] for r in rows), frame.index)
    return frame


def _spread_sentence(row: dict, label: str, last: str, top: str, population: int, fitted: bool) -> str:
    """How far one practice spread, in plain words (its row of the spread table)."""
    units = level_plural(top)
    reached = row[f"{plural(top)} reached"]
    return joined(
        t(
            "{practice} first appears in {origin} at {places}; by {last} it has reached {n} of {population} {units} "
            "({share:.0%}); scale-up ratio {ratio:.2f} (adopters outside the origin {units} per origin adopter).",
            practice=label,
            origin=row["origin"],
            places=row["origin units"],
            last=last,
            n=reached,
            population=population,
            units=units,
            share=reached / population,
            ratio=row["scale-up ratio"],
        ),
        t("It reached every macro-region after {n} period(s).", n=row["periods to all macro-regions"])
        if row["periods to all macro-regions"] != ""
        else t("It has not reached every macro-region."),
        t("Bass model: {fit}.", fit=row["Bass model"]) if fitted else t("Bass model {fit}.", fit=row["Bass model"]),
    )


def _innovators(ds: Dataset, lang: str, n: int = 10) -> dict:
    """The top-level units with the highest Walker scores, with their rank earliness and breadth."""
    from diffusion.measures.innovativeness import region_profiles

    p = region_profiles(ds)
    p = p[p["breadth"] > 0].sort_values(["walker_score", "rank_earliness", "region"], ascending=[False, False, True])
    name = p["name_zh"] if lang == "zh" else p["name_en"].where(p["name_en"] != "", p["name_zh"])
    shown = p.assign(name=name)[["region", "name", "walker_score", "rank_earliness", "breadth", "first_period"]]
    return table(shown.head(n), formats={"walker_score": "round:3", "rank_earliness": "round:3"})
