"""Bounds on what an input may make the tool do, each raisable by an environment variable.

A 5 KB workbook can claim seventeen billion cells, a 1.5 MB zip can unpack to gigabytes, a short YAML
file can expand exponentially through its aliases and a typo can ask for 10^11 permutations. Each such
request is refused with a message that names the limit and the variable that raises it, e.g.
``DIFFUSION_MAX_CELLS=200000000 diffusion report big.xlsx``.
"""

from __future__ import annotations

import os

from diffusion.errors import DiffusionError

__all__ = ["LIMITS", "limit", "raise_hint"]

#: Default bounds: far above real data (the largest state-policy file has 140,000 cells; a p-value needs
#: thousands of draws, not millions).
LIMITS: dict[str, int] = {
    "cells": 50_000_000,  # worksheet cells read from a workbook
    "columns": 10_000,  # columns of a table (a wide table has one per year or practice)
    "unpacked_bytes": 1 << 30,  # bytes the parts of a workbook (a zip) may unpack to
    "draws": 10_000_000,  # permutations or bootstrap draws of one test
    "report_practices": 1_000,  # practices in one report (each has its own rows, tests and curves)
    "yaml_bytes": 1_000_000,  # size of a hypotheses file
    "yaml_aliases": 20,  # YAML aliases (*name) in a hypotheses file
    "yaml_depth": 20,  # nesting of a hypotheses file (a flat list needs 3)
}


def _variable(name: str) -> str:
    return f"DIFFUSION_MAX_{name.upper()}"


def limit(name: str) -> int:
    """The bound ``name`` of :data:`LIMITS`, or the value of its ``DIFFUSION_MAX_<NAME>`` variable.

    Examples
    --------
    >>> limit("draws")
    10000000
    >>> os.environ["DIFFUSION_MAX_DRAWS"] = "100_000_000"
    >>> limit("draws")
    100000000
    >>> del os.environ["DIFFUSION_MAX_DRAWS"]
    """
    text = os.environ.get(_variable(name))
    if text is None:
        return LIMITS[name]
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise DiffusionError(f"{_variable(name)}={text!r}: give a positive whole number, e.g. {LIMITS[name] * 10}.")
    return value


def raise_hint(name: str) -> str:
    """How to raise the bound ``name``, for the end of a message.

    Examples
    --------
    >>> raise_hint("cells")
    'set the environment variable DIFFUSION_MAX_CELLS (now 50,000,000) to go beyond it'
    """
    return f"set the environment variable {_variable(name)} (now {limit(name):,}) to go beyond it"
