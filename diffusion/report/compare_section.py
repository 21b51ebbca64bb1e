"""The report's regional comparison: rates with denominators, curves, tests and portfolio similarity."""

from __future__ import annotations

import pandas as pd

from diffusion.data.dataset import Dataset
from diffusion.data.periods import period_years
from diffusion.i18n import level_name, level_plural, messages, region_name, t, translate
from diffusion.measures.similarity import portfolio_similarity, similarity_linkage
from diffusion.measures.spread import plural
from diffusion.report.figures import adoption_curves, most_adopted, shown_of
from diffusion.report.matrix_figures import rate_heatmap, similarity_clustermap
from diffusion.report.sections import svg_figure, svg_of, table

__all__ = ["MEASURE_TITLES", "compare_section"]

#: The measures of the regional comparison in a few words.
MEASURE_TITLES = {
    "adoption_rate": t("share adopting"),
    "breadth": t("practices per unit"),
    "earliness": t("earliness"),
}


def _short_region(name: str, lang: str) -> str:
    """A macro-region in a column label: its initial in English (E), its name without 部 in Chinese (东)."""
    return translate(region_name(name), lang).removesuffix("部") if lang == "zh" else name[:1]


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
    rates.index = [ds.vocabulary.label(tag, "zh" if lang == "zh" else "en") for tag in rates.index]
    rates.columns = [f"{c} ({_short_region(macro.get(c, ''), lang)})" for c in cols]
    drawn = most_adopted(rates, rates.mean(axis=1))
    adopting = translate(t("share of {units} adopting", units=level_plural(level)), lang)
    heat = svg_figure(
        lambda ax: rate_heatmap(drawn, ax=ax, label=adopting),
        (1.2 + 0.32 * drawn.shape[1] + 3, 1 + 0.3 * drawn.shape[0]),
    )
    # Curves: share of the level's units in each macro-region that adopted any practice by each period.
    years = period_years(ds)
    first = compare.unit_table(ds, level).dropna(subset=["period"]).groupby("unit")["period"].min()
    rows = []
    denominators = groups.value_counts()
    for group in regions:
        members = first[first.index.map(groups) == group]
        for p, x in years.items():
            rows.append(
                {
                    "x": x,
                    "label": translate(region_name(group), lang),
                    "value": (members <= p).sum() / denominators[group],
                }
            )
    curves = (
        svg_figure(
            lambda ax: adoption_curves(pd.DataFrame(rows), ax=ax, ylabel=adopting, time=str(years.name), lang=lang),
            (7.5, 3.4),
        )
        if rows  # no adoption with a known time: no curve to draw
        else None
    )
    # Portfolio similarity between provinces that adopted anything, clustered in a stable order.
    sim = portfolio_similarity(ds, provinces, level, "jaccard")
    cluster = (
        svg_of(
            lambda: similarity_clustermap(sim, similarity_linkage(sim), label=translate(t("Jaccard similarity"), lang))
        )
        if len(sim) >= 3
        else None
    )
    shown = table_[["measure", "group", "value", "lower", "upper", "adopters", "units"]]
    shown = shown.rename(
        columns={"units": f"{plural(level)} (denominator)", "lower": "95% lower", "upper": "95% upper"}
    )
    shown = shown.assign(
        measure=messages((MEASURE_TITLES.get(m, m) for m in shown["measure"]), shown.index),
        group=messages(map(region_name, shown["group"]), shown.index),
    )
    if len(tests):
        tests = tests.assign(measure=messages((MEASURE_TITLES.get(m, m) for m in tests["measure"]), tests.index))
    return {
        "level": level_name(level),
        "name": level_plural(level),
        "heatmap": heat,
        "curves": curves,
        "heatmap_alt": t(
            "Heatmap of the share of {units} adopting each of {practices} in each province, provinces ordered by "
            "macro-region.",
            units=level_plural(level),
            practices=shown_of(drawn, rates, t("practices")),
        ),
        "curves_alt": t(
            "Share of {units} in each macro-region that adopted any practice, by period.", units=level_plural(level)
        ),
        "cluster": cluster,
        "cluster_alt": t(
            "Clustered heatmap of the Jaccard similarity of the practice portfolios of {n} provinces.", n=len(sim)
        ),
        "table": table(shown, formats=dict.fromkeys(["value", "95% lower", "95% upper"], "round:4")),
        "paragraphs": list(tests["interpretation"]) if len(tests) else [],
        "tests": table(
            tests[["measure", "statistic", "effect", "p_value", "null_model"]],
            formats=dict.fromkeys(["statistic", "effect", "p_value"], "round:4"),
        )
        if len(tests)
        else None,
    }
