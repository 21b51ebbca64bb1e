"""The report's section on pilot representativeness: balance of covariates, a Love plot, the selection model."""

from __future__ import annotations

from diffusion.data.dataset import Dataset
from diffusion.errors import DiffusionError
from diffusion.i18n import level_name, t
from diffusion.report.figures import balance_plot
from diffusion.report.sections import svg_figure, table
from diffusion.stats.representativeness import IMBALANCE, pilot_balance

__all__ = ["pilots_section"]


def pilots_section(ds: Dataset, seed: int, lang: str = "en", n_permutations: int = 999) -> dict | None:
    """First-period adopters against all units of the top level; None without covariates or timed adoptions."""
    if ds.covariates is None or not ds.events["time_known"].any():
        return None
    try:
        found = pilot_balance(ds, n_permutations=n_permutations, seed=seed)
    except DiffusionError as exc:  # no covariate known for the level's units: say so, do not fail the report
        return {
            "verdict": exc.args[0] if exc.args else str(exc),
            "figure": None,
            "balance": None,
            "model": None,
            "model_note": "",
        }
    rows = found.balance[found.balance["group"] == "all practices"] if len(found.balance) else found.balance
    if not len(rows):
        return {"verdict": found.verdict, "figure": None, "balance": None, "model": None, "model_note": ""}
    shown = rows[
        ["covariate", "year", "n_pilots", "n_units", "mean_pilots", "mean_units", "smd", "lower", "upper", "p_value"]
    ]
    figure = svg_figure(
        lambda ax: balance_plot(rows, ax=ax, threshold=IMBALANCE, lang=lang), (6.5, 0.45 * len(rows) + 1.2)
    )
    return {
        "verdict": found.verdict,
        "level": level_name(found.level),
        "figure": figure,
        "alt": t(
            "Standardised mean differences of {n} covariates between the pilots (first-period adopters) and all "
            "{level} units, with 95 % intervals from {draws} random draws; dashed lines at ±{threshold}.",
            n=len(rows),
            level=level_name(found.level),
            draws=found.n_permutations,
            threshold=IMBALANCE,
        ),
        "balance": table(
            shown,
            formats=dict.fromkeys(["mean_pilots", "mean_units"], ".4g")
            | dict.fromkeys(["smd", "lower", "upper"], "+.2f")
            | {"p_value": ".3g"},
        ),
        "model": table(
            found.model,
            formats=dict.fromkeys(["estimate", "odds_ratio", "lower", "upper", "p_value"], ".3g") | {"term": "code"},
        )
        if len(found.model)
        else None,
        "model_note": found.model_note,
        "seed": found.seed,
    }
