"""Writing results to files: atomically (temporary file, then rename), and safe for spreadsheets.

A CSV cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by Excel and LibreOffice; such text cells are prefixed with an apostrophe. Numbers are
left as numbers.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from diffusion.errors import DiffusionError
from diffusion.writable import output_problem

__all__ = ["TEMP_PREFIX", "atomic_write", "atomic_write_all", "csv_bytes", "neutralise_formulas", "write_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEMP_PREFIX = ".diffusion-tmp-"  # our temporary files, so that stale ones can be told from others'


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary file beside ``path``, then rename it to ``path``.

    An error leaves no partial file behind. The file gets the usual permissions (umask), not the
    0600 of a temporary file. Only a regular file (or a new path) is replaced: a folder, device or
    pipe at ``path`` is an error, as is a disk or permission error while writing.
    """
    return atomic_write_all({Path(path): write})[0]


def atomic_write_all(writers: dict[Path, Callable[[Path], object]]) -> list[Path]:
    """Write every file to a temporary file first, then rename them all: files that belong together
    (a report's HTML and JSON) are published together or not at all.

    If publishing fails half-way (an error or an interrupt between two renames), the files already
    published are put back as they were: the previous versions where they existed, else removed. Our
    own temporary files older than an hour (left by a killed run) are removed from the folders written to.
    """
    for path in writers:
        problem = output_problem(path)
        if problem:
            raise DiffusionError(f"{str(path)!r}: {problem}")
    temps: dict[Path, Path] = {}
    try:
        for path, write in writers.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            _remove_stale(path.parent)
            fd, name = tempfile.mkstemp(dir=path.parent, prefix=TEMP_PREFIX, suffix=path.suffix)
            os.close(fd)
            temps[path] = Path(name)
            write(Path(name))
        umask = os.umask(0)
        os.umask(umask)
        for tmp in temps.values():
            os.chmod(tmp, 0o666 & ~umask)
        _publish(temps)
    except OSError as exc:
        raise DiffusionError(
            f"{str(exc.filename or next(iter(writers)))!r} could not be written: {exc.strerror or exc}. "
            "Nothing was written."
        ) from exc
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
    return list(writers)


def _publish(temps: dict[Path, Path]) -> None:
    """Rename each temporary file over its path; all of them, or (on any error or interrupt) none."""
    backups: dict[Path, Path] = {}
    existed = {path for path in temps if path.exists()}
    for path in existed:  # hard-linked aside, so that the old version can be put back
        backup = path.with_name(f"{TEMP_PREFIX}{uuid.uuid4().hex}.bak")
        with contextlib.suppress(OSError):  # no hard links here: the old version cannot be kept
            os.link(path, backup)
            backups[path] = backup
    published: list[Path] = []
    try:
        for path, tmp in temps.items():
            os.replace(tmp, path)
            published.append(path)
    except BaseException:
        for path in published:
            if path in backups:
                os.replace(backups.pop(path), path)
            elif path not in existed:
                path.unlink(missing_ok=True)
        raise
    finally:
        for backup in backups.values():
            backup.unlink(missing_ok=True)


def _remove_stale(folder: Path, age: float = 3600.0) -> None:
    """Remove our temporary files older than ``age`` seconds (a run killed while writing)."""
    now = time.time()
    for old in folder.glob(TEMP_PREFIX + "*"):
        try:
            if old.is_file() and now - old.stat().st_mtime > age:
                old.unlink()
        except OSError:
            pass  # another process's file, or gone already


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot start a spreadsheet formula.

    Each column's distinct values are checked once (a long table repeats a few names millions of times).

    Examples
    --------
    >>> neutralise_formulas(pd.DataFrame({"a": ["=1+1", "ok", "-x"], "b": [-1.5, 2, 3]}))["a"].tolist()
    ["'=1+1", 'ok', "'-x"]
    """
    out = df.copy()
    for col in out.columns:
        column = out[col]
        text = isinstance(column.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(column)
        if not (text or column.dtype == object):
            continue
        codes, distinct = pd.factorize(column)
        if _formula_cells(distinct):
            safe = np.array([_neutral(v) for v in distinct], dtype=object)
            out[col] = np.where(codes >= 0, safe[np.maximum(codes, 0)], column.to_numpy(dtype=object))
    out.columns = [_neutral(c) for c in out.columns]
    return out


def _neutral(value: object) -> object:
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _formula_cells(values) -> bool:
    return any(isinstance(v, str) and v.startswith(_FORMULA_START) for v in values)


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """Write a table as UTF-8 CSV (with BOM, so Excel shows Chinese correctly), atomically and formula-safe.

    Written by Arrow's CSV writer (about ten times faster than pandas on long tables of numbers):
    text is quoted, numbers are written in the shortest form that reads back to the same value, a
    missing value is an empty cell.

    Examples
    --------
    >>> import tempfile
    >>> path = write_csv(pd.DataFrame({"a": ["x", "=1"], "b": [0.5, None]}), Path(tempfile.mkdtemp()) / "t.csv")
    >>> print(path.read_text(encoding="utf-8-sig"), end="")
    "a","b"
    "x",0.5
    "'=1",
    """
    data = csv_bytes(df)
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def csv_bytes(df: pd.DataFrame) -> bytes:
    """A table as the bytes :func:`write_csv` writes: UTF-8 with BOM, formula-safe, Arrow's CSV.

    Examples
    --------
    >>> print(csv_bytes(pd.DataFrame({"a": ["@x"]})).decode("utf-8-sig"), end="")
    "a"
    "'@x"
    """
    import io

    from pyarrow import csv

    buf = io.BytesIO()
    buf.write("\ufeff".encode())
    csv.write_csv(_arrow_table(neutralise_formulas(df)), buf)
    return buf.getvalue()


def _arrow_table(df: pd.DataFrame):
    """The table as Arrow columns. Columns Arrow would write unlike pandas (booleans as "true", dates
    with nanoseconds) or cannot convert (objects of mixed types) are turned into text first, as
    ``str`` writes each distinct value (True, 2019-01-01)."""
    import pyarrow as pa

    columns = {}
    for name, column in df.items():
        dtype = column.dtype
        native = isinstance(dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(dtype.categories)
        native |= pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        native |= pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype)
        if native:
            columns[str(name)] = pa.array(column, from_pandas=True)
            continue
        if pd.api.types.is_datetime64_any_dtype(dtype):  # as pandas writes them: no time part at midnight
            column = column.astype(str).where(column.notna())
        codes, distinct = pd.factorize(column)
        text = np.array([str(v) for v in distinct] + [None], dtype=object)
        columns[str(name)] = pa.array(text[codes], type=pa.string())  # code -1 (missing) takes the None
    return pa.table(columns)
