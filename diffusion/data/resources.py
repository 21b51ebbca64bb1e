"""Where the bundled data lives, whether installed from a wheel or run from a checkout."""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["bundled_datasets", "data_dir", "dataset_title"]


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


def bundled_datasets() -> list[str]:
    """Names of the datasets that ship with the package.

    Examples
    --------
    >>> bundled_datasets()
    ['broadband-china', 'leading-cases']
    """
    return sorted(p.name for p in data_dir().iterdir() if (p / "dataset.json").is_file())


def dataset_title(name: str) -> str:
    """The English title of a bundled dataset, from its manifest (nothing else is read)."""
    return json.loads((data_dir() / name / "dataset.json").read_text(encoding="utf-8"))["title_en"]
