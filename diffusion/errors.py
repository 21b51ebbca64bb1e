"""Exceptions raised by the package.

Every error a user can cause derives from :class:`DiffusionError`. Validation problems are
collected, not raised one by one: :class:`ValidationError` carries a table with one row per
problem, so a file can be fixed in one pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FAILURE_COLUMNS", "DiffusionError", "InputFileError", "ParameterError", "ValidationError", "problem"]

FAILURE_COLUMNS = ["file", "row", "column", "value", "problem", "expected", "fix"]


def problem(file: str, row: object, column: str, value: object, what: str, expected: str, fix: str) -> dict:
    """One row of a failure table: where (file, row, column, value), what, what was expected, how to fix."""
    return {
        "file": file,
        "row": row,
        "column": column,
        "value": value,
        "problem": what,
        "expected": expected,
        "fix": fix,
    }


class DiffusionError(Exception):
    """Base class of every error the package raises on purpose."""


class ParameterError(DiffusionError, ValueError):
    """A parameter has a value the function cannot take; ``parameter`` names it (as in Python).

    Also a ``ValueError``, as Python code expects of a bad value. The CLI adds the flag that set it.
    """

    def __init__(self, parameter: str, message: str) -> None:
        self.parameter = parameter
        super().__init__(message)


class InputFileError(DiffusionError):
    """A file cannot be read at all (missing, empty, binary, unknown encoding, bad format)."""


class ValidationError(DiffusionError):
    """The input was read but has problems; ``failures`` lists every one of them.

    Parameters
    ----------
    failures : pandas.DataFrame
        One row per problem with the columns of ``FAILURE_COLUMNS``. ``row`` is the line
        number in the file as a spreadsheet shows it (the header is line 1).
    """

    def __init__(self, failures: pd.DataFrame, source: str = "input") -> None:
        import pandas as pd  # only when there is a table: `diffusion --help` does not load pandas

        order = pd.to_numeric(failures["row"], errors="coerce").fillna(0) if "row" in failures else None
        if order is not None:
            failures = failures.iloc[order.argsort(kind="stable")]
        self.failures = failures.reindex(columns=FAILURE_COLUMNS).reset_index(drop=True)
        n = len(self.failures)
        super().__init__(f"{source}: {n} problem{'s' if n != 1 else ''} found; nothing was written.\n" + self.table())

    def table(self, max_rows: int = 50) -> str:
        """The failures as a plain-text table (at most ``max_rows`` rows)."""
        shown = self.failures.drop(columns="file").head(max_rows).fillna("")
        text = shown.to_string(index=False)  # whole cells: a cut "fix" cannot be followed
        if len(self.failures) > max_rows:
            text += f"\n... and {len(self.failures) - max_rows} more"
        return text
