"""Draw the pictures of the README (docs/pictures/*.png) with the public plotting API.

Run from the repository root: ``python scripts/readme_pictures.py``. Each picture is what
``diffusion.plot`` draws for a bundled dataset; the code below is the example the README quotes.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from matplotlib.figure import Figure

import diffusion

OUT = Path(__file__).resolve().parent.parent / "docs" / "pictures"


def maps(ds: diffusion.Dataset) -> Figure:
    """Where the pilots are, period by period: one equal-area map per period, earlier darker."""
    fig = Figure(figsize=(11, 3.2))
    axes = fig.subplots(1, 5)
    for period, ax in enumerate(axes, start=1):
        diffusion.plot.map(ds, period, ax=ax, legend=period == 1)
    fig.subplots_adjust(left=0.01, right=0.99, wspace=0.05, bottom=0.2)
    return fig


def curves(ds: diffusion.Dataset) -> Figure:
    """Provinces reached by the six most widespread practices, on a true time axis."""
    fig = Figure(figsize=(7.5, 3.4))
    diffusion.plot.adoption_curves(ds, ax=fig.subplots())
    return fig


def network(ds: diffusion.Dataset) -> Figure:
    """The diffusion ties among provinces, drawn on the map."""
    fig = Figure(figsize=(6.5, 5.2))
    diffusion.plot.network(ds, ax=fig.subplots())
    return fig


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    broadband, leading = diffusion.load_dataset("broadband-china"), diffusion.load_dataset("leading-cases")
    pictures = {"maps": maps(broadband), "curves": curves(leading), "network": network(broadband)}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing", category=UserWarning)
        for name, fig in pictures.items():
            fig.savefig(OUT / f"{name}.png", dpi=72, bbox_inches="tight", metadata={"Software": None})
            print(OUT / f"{name}.png")


if __name__ == "__main__":
    main()
