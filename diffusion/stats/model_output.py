"""Outputs of the event-history model: the tidy CSV, the forest plot, the JSON, the list of terms."""

from __future__ import annotations

import json as json_module
from pathlib import Path

import numpy as np

from diffusion.data.dataset import Dataset
from diffusion.errors import ParameterError
from diffusion.stats.channels import CHANNELS
from diffusion.stats.dyadic import DYAD_TERMS
from diffusion.stats.event_model import EventHistoryModel

__all__ = ["model_json", "print_terms", "write_model"]

_FIGURE_FORMATS = ("svg", "png", "pdf")


def print_terms(ds: Dataset) -> None:
    """Print the terms a formula can use: channels, macro_region, the dataset's covariates."""
    print("channel terms:")
    for name, text in CHANNELS.items():
        print(f"  {name:<18} {text}")
    print("  macro_region       the unit's macro-region (write C(macro_region))")
    print("  practice           the practice (e.g. neighbour_share:C(practice): a slope per practice)")
    covariates = ds.covariates.variables if ds.covariates is not None else []
    print("covariates (lagged one year): " + (", ".join(covariates) if covariates else "none"))
    print("dyad terms (--dyadic):")
    for name, text in DYAD_TERMS.items():
        print(f"  {name:<18} {text}")
    print("  gap_<covariate>    the leader's value minus the follower's (lagged one year)")


def model_json(model: EventHistoryModel) -> dict:
    """The model as plain JSON types (infinite bounds and untestable p-values as null)."""

    def plain(records: list[dict]) -> list[dict]:
        return [
            {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()} for r in records
        ]

    rows = plain(model.coefficients.to_dict("records"))
    notes = {
        **model.notes,
        **({"heterogeneity": plain(model.notes["heterogeneity"])} if "heterogeneity" in model.notes else {}),
    }
    return {
        "formula": model.formula,
        "link": model.link,
        "baseline": model.baseline,
        "inference": model.inference,
        "clusters": model.clusters,
        "cluster_level": model.cluster_level,
        "region_periods": model.region_periods,
        "adoptions": model.adoptions,
        "coefficients": rows,
        "notes": notes,
        "warnings": list(model.warnings),
    }


def write_model(
    model: EventHistoryModel, *, csv: str | None = None, plot: str | None = None, json: str | None = None
) -> list[Path]:
    """Write the chosen outputs (each atomically) and return their paths.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> from diffusion.stats.event_model import fit_event_history
    >>> m = fit_event_history(load_dataset("broadband-china"), "neighbour_share", draws=199)
    >>> write_model(m, plot="forest.gif")
    Traceback (most recent call last):
    ...
    diffusion.errors.ParameterError: the forest plot is written as SVG, PNG or PDF ... got 'forest.gif'.
    """
    from diffusion.output import atomic_write, write_csv

    if plot is not None and Path(plot).suffix.lower().lstrip(".") not in _FIGURE_FORMATS:
        raise ParameterError(
            "plot", f"the forest plot is written as SVG, PNG or PDF (by the suffix of `plot`); got {plot!r}."
        )
    written = []
    if csv:
        written.append(write_csv(model.coefficients, csv))
    if json:
        text = json_module.dumps(model_json(model), ensure_ascii=False, indent=1, sort_keys=True, default=str)
        written.append(atomic_write(json, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8")))
    if plot:
        written.append(_write_plot(model, Path(plot)))
    return written


def _write_plot(model: EventHistoryModel, path: Path) -> Path:
    import matplotlib
    from matplotlib.figure import Figure

    from diffusion.output import atomic_write
    from diffusion.report.figures import forest_plot
    from diffusion.report.svg_export import SVG_RC

    with matplotlib.rc_context(SVG_RC):  # type: ignore[arg-type]
        fig = Figure(figsize=(6.5, 0.45 * len(model.coefficients) + 1.2))  # not pyplot: the user's backend stays
        ax = fig.subplots()
        forest_plot(model.coefficients, ax=ax, scale=model.scale)
        ax.set_title(f"{model.formula} ({model.clusters} clusters; {model.adoptions} adoptions)", fontsize=8)
        fmt = path.suffix.lower().lstrip(".")
        metadata = {"svg": {"Date": None, "Creator": None}, "pdf": {"CreationDate": None}}.get(fmt, {})
        return atomic_write(path, lambda tmp: fig.savefig(tmp, format=fmt, bbox_inches="tight", metadata=metadata))
