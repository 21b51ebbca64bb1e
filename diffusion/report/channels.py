"""The report's section on the channels of each adoption: shares against chance, over time, and a tree."""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffusion.data.dataset import Dataset
from diffusion.data.periods import period_groups, period_labels
from diffusion.errors import DiffusionError
from diffusion.i18n import joined, messages, t, translate
from diffusion.report.channel_figures import ROUTE_TITLES, diffusion_tree, route_shares
from diffusion.report.sections import svg_figure, table
from diffusion.stats.channel_shares import MAIN_CHANNELS, ROUTES, adoption_channels, route_pairs

__all__ = ["CHANNELS_CARD", "channels_section"]

#: Bars of the route shares over time: more periods are gathered by years (decades, ...).
MAX_BARS = 12
#: The method card of the channels (calibration: benchmarks/pattern_tests_calibration.py, 300 datasets a setting).
CHANNELS_CARD = {
    "name": t("channels of spread"),
    "question": t("Which routes were open when each unit adopted, and did adoptions follow them more than chance?"),
    "statistic": t(
        "Share of adoptions with a top-down (an ancestor unit's case, or a dated central promotion before the "
        "period), horizontal (a neighbour or a unit of the same parent) or bottom-up (a unit inside it) route open, "
        "in an earlier period; none: a pioneer."
    ),
    "null": t(
        "Adoption periods permuted among each practice's adopters (the hierarchy, the graph and each practice's "
        "adoptions per period kept); two-sided p. Calibration of the horizontal share on independent nulls (300 "
        "datasets each, alpha 0.05): practice-specific rates 0.050, top-down shock 0.040, clustered breadth 0.023, "
        "East-to-West gradient 0.040 (null 'strata', permuting within macro-regions: 0.050, 0.037, 0.030, 0.030); "
        "planted contagion: power 0.98 (0.96)."
    ),
    "caveat": t(
        "An open route is a possibility, not proof of learning. Shares that depend only on timing (a promotion "
        "before the period, pioneers of a practice's first period) equal their null. With coarse neighbours "
        "(provinces) nearly every later adoption has a horizontal route open."
    ),
}


def channels_section(ds: Dataset, lang: str, seed: int, n_permutations: int = 999, top_n: int = 7) -> dict | None:
    """Channels of each adoption: sentences, shares against chance, route shares over time, a tree."""
    if not ds.events["time_known"].any():
        return None
    try:
        found = adoption_channels(ds, n_permutations=n_permutations, seed=seed, progress=False)
    except DiffusionError:  # no timed adoption placed in the geography
        return None
    a = found.adoptions
    vocab, key = ds.vocabulary, "zh" if lang == "zh" else "en"
    labels = period_labels(ds).set_index("period")["date"].to_dict()
    overall = found.overall()
    shown = overall.assign(channel=messages(map(_channel_label, overall["channel"]), overall.index))[
        ["channel", "observed", "expected", "lower", "upper", "p_value"]
    ]
    by_practice = _practice_table(found, vocab, key)
    chosen = a["practice"].value_counts().sort_index().sort_values(ascending=False, kind="stable").head(top_n).index
    bars, bar_labels = _gathered(ds, a, labels)
    panels = [
        (translate(t("all practices"), lang), bars),
        *((vocab.label(p, key), bars[bars["practice"] == p]) for p in chosen),
    ]
    cols = min(4, len(panels))
    rows = -(-len(panels) // cols)

    def draw(axes):
        for ax in axes.flat[len(panels) :]:
            ax.set_axis_off()
        for ax, (title, part) in zip(axes.flat, panels):
            route_shares(part, ax=ax, labels=bar_labels, title=title, lang=lang)
        fig = axes.flat[0].figure
        handles, names = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="lower center", ncol=len(ROUTES), fontsize=7, frameon=False)
        fig.subplots_adjust(hspace=0.7, wspace=0.35, bottom=0.22 / rows)

    shares_svg = svg_figure(draw, (2.3 * cols + 0.4, 2.2 * rows + 0.6), rows, cols)
    tree_practice = chosen[0]
    rows_of = np.flatnonzero(a["practice"].to_numpy() == tree_practice)
    pairs = route_pairs(ds, a, tree_practice)
    tree_name = vocab.label(tree_practice, key)
    tree_svg = svg_figure(
        lambda ax: diffusion_tree(a.iloc[rows_of], pairs, ax=ax, labels=labels, title=tree_name),
        (7.0, min(0.16 * len(rows_of) + 1.2, 14.0)),
    )
    return {
        "sentences": found.describe(),
        "overall": table(
            shown, formats=dict.fromkeys(["observed", "expected", "lower", "upper"], ".0%") | {"p_value": ".3g"}
        ),
        "practices": table(by_practice, formats=dict.fromkeys(by_practice.columns[2:], ".0%")),
        "shares_figure": shares_svg,
        "shares_alt": t(
            "Stacked bars of the routes open at adoption ({routes}) in each period{spans}, for all practices and the "
            "{n} with most adoptions; the number of adoptions is above each bar.",
            routes=joined(*(ROUTE_TITLES[r] for r in ROUTES), sep=", "),
            spans=t(" (periods gathered by years)") if bar_labels is not labels else "",
            n=len(chosen),
        ),
        "tree": tree_svg,
        "tree_alt": t(
            "Tree of the spread of {practice}: its {n} adoptions by period, each joined to the earliest earlier "
            "adoption that opened a route to it (blue top-down, green horizontal, red bottom-up).",
            practice=tree_name,
            n=len(rows_of),
        ),
        "graph": found.graph,
        "n_permutations": found.n_permutations,
        "seed": found.seed,
        "card": CHANNELS_CARD,
    }


def _channel_label(name: str) -> str:
    """A channel in words: the three main ones as their routes are called, the sub-channels by how they open."""
    if name.replace("_", "-") in ("top-down", "horizontal", "bottom-up"):
        return ROUTE_TITLES[name.replace("_", "-")]
    return {
        "ancestor": t("by an ancestor unit"),
        "promotion": t("by a central promotion"),
        "neighbour": t("by a neighbour"),
        "peer": t("by a peer (same parent)"),
        "none": t("none (pioneer)"),
    }[name]


def _practice_table(found, vocab, key: str) -> pd.DataFrame:
    """Per practice: adoptions and the observed and chance share of each main channel."""
    s = found.shares[(found.shares["scope"] == "practice") & found.shares["channel"].isin(MAIN_CHANNELS)]
    wide = s.pivot(index="group", columns="channel", values=["observed", "expected"])
    out = pd.DataFrame({"practice": [vocab.label(p, key) for p in wide.index]})
    out["adoptions"] = s.drop_duplicates("group").set_index("group").loc[wide.index, "adoptions"].to_numpy()
    for c in MAIN_CHANNELS:
        name = str(_channel_label(c))  # a column heading (Chinese headings: labels.COLUMNS_ZH)
        out[name] = wide[("observed", c)].to_numpy()
        out[f"{name} (chance)"] = wide[("expected", c)].to_numpy()
    return out.sort_values(["adoptions", "practice"], ascending=[False, True], kind="stable").reset_index(drop=True)


def _gathered(ds: Dataset, adoptions: pd.DataFrame, labels: dict) -> tuple[pd.DataFrame, dict]:
    """The adoptions with their periods gathered into at most MAX_BARS groups (one bar each), and the bars' labels."""
    groups = period_groups(ds, MAX_BARS)
    if groups["group"].nunique() == len(groups):
        return adoptions, labels
    named = groups.drop_duplicates("group").set_index("group")["label"].to_dict()
    return adoptions.assign(period=adoptions["period"].map(groups.set_index("period")["group"])), named
