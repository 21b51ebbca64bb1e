"""Figures of the channels of each adoption (route shares over time, the tree from pilots on) and of exposure.

Both draw on the Axes they are given and return them; the data are the tables of
:func:`diffusion.stats.channel_shares.adoption_channels` (``adoptions``, and ``pairs`` for the tree).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from diffusion.i18n import t, translate
from diffusion.report.figures import RASTER_POINTS
from diffusion.stats.channel_shares import ROUTES

__all__ = ["ROUTE_COLOURS", "diffusion_tree", "first_sources", "infection_scatter", "route_shares", "threshold_plot"]

#: One distinct colour per route (qualitative: the routes are categories, not an order).
ROUTE_COLOURS = dict(zip(ROUTES, ["#3b6fb6", "#4a9c5d", "#c0504d", "#8e6bb8", "#c8c8c8"]))
#: Each route in words (the routes themselves are the values of the ``route`` column).
ROUTE_TITLES = {
    "top-down": t("top-down"),
    "horizontal": t("horizontal"),
    "bottom-up": t("bottom-up"),
    "several": t("several"),
    "none": t("none"),
}
LINK_COLOURS = {"ancestor": "#3b6fb6", "neighbour": "#4a9c5d", "peer": "#4a9c5d", "inside": "#c0504d"}


def route_shares(
    adoptions: pd.DataFrame, *, ax: plt.Axes, labels: dict | None = None, title: str = "", lang: str = "en"
) -> plt.Axes:
    """Stacked bars: the share of each period's adoptions by route, with the number of adoptions on top.

    Examples
    --------
    >>> a = pd.DataFrame({"period": [1, 2, 2], "route": ["none", "horizontal", "top-down"]})
    >>> ax = route_shares(a, ax=plt.subplots()[1])
    >>> [float(p.get_height()) for p in ax.patches if p.get_height() > 0]  # top-down, horizontal, none
    [0.5, 0.5, 1.0]
    """
    counts = pd.crosstab(adoptions["period"], adoptions["route"]).reindex(columns=list(ROUTES), fill_value=0)
    shares = counts.div(counts.sum(axis=1), axis=0)
    x = np.arange(len(shares))
    bottom = np.zeros(len(shares))
    for route in ROUTES:
        ax.bar(
            x,
            shares[route],
            bottom=bottom,
            color=ROUTE_COLOURS[route],
            width=0.8,
            label=translate(ROUTE_TITLES[route], lang),
            linewidth=0,
        )
        bottom += shares[route].to_numpy()
    crowded = len(x) > 6  # upright counts and every period's label would overlap
    for i, n in enumerate(counts.sum(axis=1)):
        ax.text(
            i,
            1.02,
            str(n),
            ha="center",
            va="bottom",
            fontsize=5 if crowded else 6,
            color="#444444",
            rotation=90 if crowded else 0,
        )
    names = [str((labels or {}).get(p, p)) for p in shares.index]
    every = -(-len(names) // 6)  # at most six labels on the axis
    ax.set_xticks(
        x[::every], names[::every], rotation=30 if len(names) > 4 else 0, ha="right" if len(names) > 4 else "center"
    )
    ax.set_ylim(0, 1.25 if crowded else 1.12)
    ax.set_yticks([0, 0.5, 1], ["0", "50%", "100%"])
    ax.set_title(title, fontsize=8)
    sns.despine(ax=ax)
    return ax


def first_sources(adoptions: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """For each adoption with a route, one source: the earliest earlier adoption that opened it.

    Ties are broken by channel (ancestor, neighbour, peer, inside), then by the source's row, so
    the tree is the same on every run. Index: target row; columns ``source`` (row) and ``channel``.

    Examples
    --------
    >>> a = pd.DataFrame({"period": [1, 1, 2]})
    >>> pairs = pd.DataFrame({"source": [1, 0], "target": [2, 2], "channel": ["peer", "neighbour"]})
    >>> first_sources(a, pairs).to_dict("index")
    {2: {'source': 0, 'channel': 'neighbour'}}
    """
    rank = {"ancestor": 0, "neighbour": 1, "peer": 2, "inside": 3}
    p = pairs.assign(t=adoptions["period"].to_numpy()[pairs["source"]], r=pairs["channel"].map(rank))
    p = p.sort_values(["target", "t", "r", "source"], kind="stable").drop_duplicates("target")
    return p.set_index("target")[["source", "channel"]]


def diffusion_tree(
    adoptions: pd.DataFrame, pairs: pd.DataFrame, *, ax: plt.Axes, labels: dict | None = None, title: str = ""
) -> plt.Axes:
    """The spread of one practice as a tree: pilots on the left, each later adopter joined to one source.

    ``adoptions`` are one practice's rows (``period``, ``route``, ``unit_name``/``unit_id``),
    ``pairs`` their routes (:meth:`_Routes.pairs`, indexed by row position). x is the period;
    each adopter sits next to the adopters it could have learned from; dots are coloured by the
    adoption's route, links by the channel (top-down blue, horizontal green, bottom-up red); a
    blue arrowhead marks an adoption reached by a central promotion alone.

    Examples
    --------
    >>> a = pd.DataFrame({"period": [1, 2], "route": ["none", "horizontal"], "unit_name": ["A", "B"]})
    >>> pairs = pd.DataFrame({"source": [0], "target": [1], "channel": ["neighbour"]})
    >>> ax = diffusion_tree(a, pairs, ax=plt.subplots()[1])
    >>> len(ax.lines), len(ax.collections[0].get_offsets())
    (1, 2)
    """
    a = adoptions.reset_index(drop=True)
    source = first_sources(a, pairs)
    periods = sorted(a["period"].unique())
    x = a["period"].map({p: i for i, p in enumerate(periods)}).to_numpy(dtype=float)
    children: dict[int, list[int]] = {}
    for target, src in source["source"].items():
        children.setdefault(int(src), []).append(int(target))
    order: list[int] = []

    def visit(node: int) -> None:  # depth first, children in time order: subtrees stay together
        order.append(node)
        for child in sorted(children.get(node, []), key=lambda c: (a.at[c, "period"], c)):
            visit(child)

    for root in sorted(set(range(len(a))) - set(source.index), key=lambda r: (a.at[r, "period"], r)):
        visit(root)
    y = np.empty(len(a))
    y[order] = -np.arange(len(order), dtype=float)
    for target, (src, channel) in source.iterrows():
        ax.plot([x[src], x[target]], [y[src], y[target]], color=LINK_COLOURS[channel], linewidth=0.8, zorder=1)
    ax.scatter(x, y, c=[ROUTE_COLOURS[r] for r in a["route"]], s=18, zorder=2, edgecolors="white", linewidths=0.4)
    if "promotion" in a:  # promoted from the centre, with no earlier adopter on a route: a mark, no link
        alone = a["promotion"].to_numpy(dtype=bool) & ~np.isin(np.arange(len(a)), source.index)
        ax.scatter(x[alone] - 0.12, y[alone], marker=">", s=14, color=ROUTE_COLOURS["top-down"], zorder=2)
    if len(a) <= 60:
        names = a.get("unit_name", a.get("unit_id")).fillna("").astype(str)
        names = names.where(names != "", a.get("unit_id", names).astype(str))
        for xi, yi, name in zip(x, y, names):
            ax.text(xi + 0.08, yi, name[:16], fontsize=5.5, va="center", ha="left", color="#333333")
    ax.set_xticks(range(len(periods)), [str((labels or {}).get(p, p)) for p in periods], fontsize=7)
    ax.set_xlim(-0.3, len(periods) - 0.2)
    ax.set_yticks([])
    ax.set_title(title, fontsize=8)
    sns.despine(ax=ax, left=True)
    return ax


def threshold_plot(thresholds: pd.DataFrame, *, ax: plt.Axes, labels: dict | None = None, lang: str = "en") -> plt.Axes:
    """Each adopter's threshold (exposure when it adopted) against its period of adoption, with the period means.

    Examples
    --------
    >>> limits = pd.DataFrame({"period": [1, 2, 2], "threshold": [0.0, 0.5, 1.0]})
    >>> ax = threshold_plot(limits, ax=plt.subplots()[1])
    >>> ax.lines[0].get_ydata().tolist()  # the mean of each period
    [0.0, 0.75]
    """
    data = thresholds.dropna(subset=["threshold"])
    periods = sorted(data["period"].unique())
    x = data["period"].map({p: i for i, p in enumerate(periods)}).to_numpy(dtype=float)
    jitter = (np.arange(len(x)) % 7 - 3) * 0.04  # a fixed spread, so the figure is the same on every run
    ax.scatter(
        x + jitter, data["threshold"], s=8, alpha=0.5, color="#3b6fb6", linewidths=0, rasterized=len(x) > RASTER_POINTS
    )
    means = data.groupby("period")["threshold"].mean().reindex(periods)
    ax.plot(range(len(periods)), means.to_numpy(), color="#c0504d", marker="o", markersize=3, linewidth=1.2)
    ax.set_xticks(range(len(periods)), [str((labels or {}).get(p, p)) for p in periods], rotation=30, ha="right")
    ax.set_ylabel(translate(t("threshold (share of alters adopted before)"), lang))
    ax.set_ylim(-0.05, 1.05)
    sns.despine(ax=ax)
    return ax


def infection_scatter(values: pd.DataFrame, *, ax: plt.Axes, lang: str = "en") -> plt.Axes:
    """Infectiousness against susceptibility of every adopter with both defined.

    Examples
    --------
    >>> v = pd.DataFrame({"infectiousness": [0.5, None], "susceptibility": [1.0, 0.2]})
    >>> len(infection_scatter(v, ax=plt.subplots()[1]).collections[0].get_offsets())
    1
    """
    data = values.dropna(subset=["infectiousness", "susceptibility"])
    many = len(data) > RASTER_POINTS
    ax.scatter(
        data["susceptibility"], data["infectiousness"], s=10, alpha=0.6, color="#4a9c5d", linewidths=0, rasterized=many
    )
    ax.set_xlabel(translate(t("susceptibility"), lang))
    ax.set_ylabel(translate(t("infectiousness"), lang))
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.05, 1.05)
    sns.despine(ax=ax)
    return ax
