"""Where the bundled data lives, whether installed from a wheel or run from a checkout."""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir"]


def data_dir() -> Path:
    """The folder holding the bundled datasets and geographies.

    A wheel carries ``data/`` inside the package as ``diffusion/_data``; an editable install or
    a source checkout reads the repository's ``data/`` directly.
    """
    here = Path(__file__).resolve().parents[1]  # the package folder, diffusion/
    for candidate in (here / "_data", here.parent / "data"):
        if (candidate / "geography").is_dir():
            return candidate
    raise FileNotFoundError(
        f"bundled data not found beside {here}; reinstall the package (pip install policy-diffusion)"
    )
