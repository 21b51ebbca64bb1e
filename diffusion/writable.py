"""Whether a path can be written: a regular file or a new path, in a folder that can be written.

Light (no pandas), so that the command line checks its outputs before it imports anything heavy.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["file_kind", "output_problem"]


def output_problem(path: Path, *, folder: bool = False) -> str:
    """What stops writing ``path`` (a file, or a folder with ``folder``), or "" when nothing does.

    Examples
    --------
    >>> output_problem(Path("/dev/null"))
    'is a character device, not a regular file; give the path of a file to write.'
    """
    for part in path.parts:
        if len(part.encode("utf-8", "surrogateescape")) > 255:
            return f"the name {part[:40]!r}... is longer than 255 bytes, more than file systems allow."
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # new, or under a file: the parents say which
        mode = None
    except OSError as exc:
        return f"cannot be checked ({exc.strerror})."
    if mode is not None:
        if folder and not stat.S_ISDIR(mode):
            return f"is {file_kind(mode)}, not a folder; give a folder for the output files."
        if not folder and not stat.S_ISREG(mode):
            return f"is {file_kind(mode)}, not a regular file; give the path of a file to write."
        target = path if folder else path.parent
        return "" if os.access(target, os.W_OK) else f"{_where(target)} is not writable: check its permissions."
    existing = next((p for p in Path(os.path.abspath(path)).parents if p.exists()), None)
    if existing is None:
        return ""
    if not existing.is_dir():
        kind = file_kind(os.stat(existing).st_mode)
        return f"{_where(existing)} is {kind}, not a folder, so nothing can be made inside it."
    if not os.access(existing, os.W_OK):
        return f"{_where(existing)} is not writable: check its permissions."
    return ""


def file_kind(mode: int) -> str:
    """What a path of ``os.stat`` mode ``mode`` is, for messages: "a folder", "a character device", ...

    Examples
    --------
    >>> import stat
    >>> file_kind(stat.S_IFIFO)
    'a named pipe (FIFO)'
    """
    kinds = [
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISREG, "a file"),
    ]
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _where(path: Path) -> str:
    return f"{str(path)!r}" if str(path) else "the current folder"
