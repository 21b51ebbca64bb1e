"""Where a command's outputs go, checked before any work: never over an input, never twice, never
over something that is not a regular file, and only where they can be written.

Output files are the options whose metavar starts with ``PATH`` (``--out PATH.csv``, ``--graph
PATH``); output folders are in :data:`OUTPUT_FOLDERS`. Inputs are every other path the command reads
(``--data``, ``--geography``, ``--practices``, ``--batches``, ``--covariates``, ``--network``,
``--hypotheses``, the file of ``validate``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from diffusion.errors import DiffusionError
from diffusion.writable import output_problem

__all__ = ["OUTPUT_FOLDERS", "check_output_paths"]

#: Commands whose ``--out`` is a folder.
OUTPUT_FOLDERS = {"report": "out", "simulate": "out"}
_INPUTS = ("data", "file", "geography", "vocabulary", "batches", "covariates", "network", "hypotheses", "boundaries")


def check_output_paths(args: argparse.Namespace, parser: argparse.ArgumentParser | None) -> None:
    """Raise a :class:`DiffusionError` naming the flag when an output path cannot or must not be written."""
    outputs = _outputs(args, parser)
    inputs = [Path(p) for name in _INPUTS for p in _as_list(getattr(args, name, None))]
    seen: dict[Path, str] = {}
    for flag, given, folder in outputs:
        path = Path(given)
        problem = output_problem(path, folder=folder) if given.strip() else "is empty; give a path."
        if problem:
            raise DiffusionError(f"{flag} {given!r}: {problem}")
        for other in inputs:
            if _same(path, other):
                raise DiffusionError(
                    f"{flag} {str(path)!r} is also an input of this command; writing it would replace your "
                    "file. Give another output path."
                )
            if other.is_dir() and Path(os.path.abspath(path)).is_relative_to(os.path.abspath(other)):
                raise DiffusionError(
                    f"{flag} {str(path)!r} is inside the input folder {str(other)!r}; writing there could replace "
                    "its files. Give a path outside it."
                )
        key = Path(os.path.abspath(path))
        if key in seen:
            raise DiffusionError(f"{flag} and {seen[key]} are the same file {str(path)!r}: give each its own path.")
        seen[key] = flag


def _outputs(args: argparse.Namespace, parser: argparse.ArgumentParser | None) -> list[tuple[str, str, bool]]:
    """(flag, path as given, is a folder) of every output given."""
    out = []
    for action in parser._actions if parser is not None else []:
        value = getattr(args, action.dest, None)
        if value is None or not action.option_strings:
            continue
        flag = action.option_strings[0]
        if OUTPUT_FOLDERS.get(args.command) == action.dest:
            out.append((flag, str(value), True))
        elif isinstance(action.metavar, str) and action.metavar.startswith("PATH"):
            out.append((flag, str(value), False))
    return out


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _same(output: Path, other: Path) -> bool:
    """Whether an output would land on an input file (the same file, by any name)."""
    try:
        if output.exists() and other.exists():
            return os.path.samefile(output, other)
    except OSError:
        return False
    return Path(os.path.abspath(output)) == Path(os.path.abspath(other))
