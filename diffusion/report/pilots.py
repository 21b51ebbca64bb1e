"""The report's section on pilot representativeness: balance of covariates, a Love plot, the selection model."""

from __future__ import annotations

from diffusion.data.dataset import Dataset
from diffusion.errors import DiffusionError
from diffusion.report.figures import balance_plot
from diffusion.report.sections import svg_figure, table
from diffusion.stats.representativeness import IMBALANCE, pilot_balance

__all__ = ["pilots_section"]


def pilots_section(ds: Dataset, seed: int, n_permutations: int = 999) -> dict | None:
    """First-period adopters against all units of the top level; None without covariates or timed adoptions."""
    if ds.covariates is None or not ds.events["time_known"].any():
        return None
    try:
        found = pilot_balance(ds, n_permutations=n_permutations, seed=seed)
    except DiffusionError as exc:  # no covariate known for the level's units: say so, do not fail the report
        return {"verdict": str(exc), "figure": None, "balance": None, "model": None, "model_note": ""}
    rows = found.balance[found.balance["group"] == "all practices"] if len(found.balance) else found.balance
    if not len(rows):
        return {"verdict": found.verdict, "figure": None, "balance": None, "model": None, "model_note": ""}
    shown = rows[
        ["covariate", "year", "n_pilots", "n_units", "mean_pilots", "mean_units", "smd", "lower", "upper", "p_value"]
    ]
    figure = svg_figure(lambda ax: balance_plot(rows, ax=ax, threshold=IMBALANCE), (6.5, 0.45 * len(rows) + 1.2))
    return {
        "verdict": found.verdict,
        "level": found.level,
        "figure": figure,
        "alt": f"Standardised mean differences of {len(rows)} covariates between the pilots (first-period adopters) "
        f"and all {found.level} units, with 95 % intervals from {found.n_permutations} random draws; dashed lines "
        f"at ±{IMBALANCE}.",
        "balance": table(
            shown,
            formats=dict.fromkeys(["mean_pilots", "mean_units"], ".4g")
            | dict.fromkeys(["smd", "lower", "upper"], "+.2f")
            | {"p_value": ".3g"},
        ),
        "model": table(
            found.model, formats=dict.fromkeys(["estimate", "odds_ratio", "lower", "upper", "p_value"], ".3g")
        )
        if len(found.model)
        else None,
        "model_note": found.model_note,
        "seed": found.seed,
    }
