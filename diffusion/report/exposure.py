"""The report's section on exposure: thresholds and infectiousness/susceptibility on the neighbour graph."""

from __future__ import annotations

import pandas as pd

from diffusion.data.dataset import Dataset
from diffusion.data.periods import period_labels
from diffusion.errors import DiffusionError
from diffusion.i18n import level_name, t
from diffusion.report.channel_figures import infection_scatter, threshold_plot
from diffusion.report.sections import svg_figure, table
from diffusion.stats.exposure_measures import infection_susceptibility, thresholds, unit_graph

__all__ = ["exposure_section"]


def exposure_section(ds: Dataset, lang: str) -> dict | None:
    """Thresholds against time and infectiousness against susceptibility; None without a graph or timing."""
    if not ds.events["time_known"].any():
        return None
    try:
        graph = unit_graph(ds)
    except DiffusionError:
        return None
    limits = thresholds(ds)
    if limits.empty:
        return None
    spread = infection_susceptibility(ds)
    labels = period_labels(ds).set_index("period")["date"].to_dict()
    later = limits[~limits["first_period"]]
    vocab, key = ds.vocabulary, "zh" if lang == "zh" else "en"
    per = (
        limits.merge(spread, on=["practice", "unit", "period"])
        .assign(later_threshold=lambda d: d["threshold"].where(~d["first_period"]))
        .groupby("practice")
        .agg(
            adopters=("unit", "size"),
            mean_threshold=("later_threshold", "mean"),
            susceptibility=("susceptibility", "mean"),
            infectiousness=("infectiousness", "mean"),
        )
        .reset_index()
    )
    per["practice"] = per["practice"].map(lambda tag: vocab.label(tag, key))
    per = per.sort_values(["adopters", "practice"], ascending=[False, True], kind="stable")
    level = level_name(ds.geography.level_of(graph.units[0]))
    return {
        "graph": graph.name,
        "level": level,
        "mean": float(later["threshold"].mean()) if later["threshold"].notna().any() else None,
        "adoptions": len(later),
        "thresholds": svg_figure(lambda ax: threshold_plot(limits, ax=ax, labels=labels, lang=lang), (6.5, 3.2)),
        "thresholds_alt": t(
            "Scatter of the threshold of each of the {n} adoptions at {level} level (the share of its neighbours on "
            "the {graph} that had adopted before it) by period, with the period means.",
            n=len(limits),
            level=level,
            graph=graph.name,
        ),
        "infection": svg_figure(lambda ax: infection_scatter(spread, ax=ax, lang=lang), (4.2, 3.6)),
        "infection_alt": t("Scatter of infectiousness against susceptibility of every adopter with both defined."),
        "table": table(
            pd.DataFrame(per), formats=dict.fromkeys(["mean_threshold", "susceptibility", "infectiousness"], ".2f")
        ),
    }
