"""Exceptions raised by the package.

Every error a user can cause derives from :class:`DiffusionError`. Validation problems are
collected, not raised one by one: :class:`ValidationError` carries a table with one row per
problem, so a file can be fixed in one pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FAILURE_COLUMNS",
    "DiffusionError",
    "InputFileError",
    "ParameterError",
    "ValidationError",
    "problem",
    "problem_table",
]

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


def problem_table(records: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """Problems as a table with the columns of ``FAILURE_COLUMNS``.

    The cells keep their Python objects (object dtype, not pandas' string dtype), so that messages
    can still be translated when the table is shown (:func:`diffusion.i18n.translate_problems`).
    """
    import pandas as pd

    if isinstance(records, pd.DataFrame):
        return records.astype(object).reindex(columns=FAILURE_COLUMNS)
    return pd.DataFrame(records, columns=FAILURE_COLUMNS, dtype=object)


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
    failures : pandas.DataFrame or list of dict
        One row per problem with the columns of ``FAILURE_COLUMNS`` (see :func:`problem`). ``row``
        is the line number in the file as a spreadsheet shows it (the header is line 1).
    source : str
        The file or folder the problems are in.
    """

    def __init__(self, failures: pd.DataFrame | list[dict], source: str = "input") -> None:
        import pandas as pd  # only when there is a table: `diffusion --help` does not load pandas

        failures = problem_table(failures)
        order = pd.to_numeric(failures["row"], errors="coerce").fillna(0) if "row" in failures else None
        if order is not None:
            failures = failures.iloc[order.argsort(kind="stable")]
        self.failures = failures.reindex(columns=FAILURE_COLUMNS).reset_index(drop=True)
        self.source = source
        super().__init__(self.message())

    def message(self, lang: str = "en") -> str:
        """What went wrong and the table of failures, in ``lang`` ("en" or "zh")."""
        n = len(self.failures)
        if lang == "zh":
            head = f"{self.source}：发现 {n} 个问题，未写出任何文件。"
        else:
            head = f"{self.source}: {n} problem{'s' if n != 1 else ''} found; nothing was written."
        return head + "\n" + self.table(lang=lang)

    def table(self, max_rows: int = 50, *, lang: str = "en") -> str:
        """The failures as a plain-text table (at most ``max_rows`` rows), in ``lang``."""
        from diffusion.i18n import problems_text

        # whole cells: a cut "fix" cannot be followed
        text = problems_text(self.failures.drop(columns="file").head(max_rows).fillna(""), lang)
        if len(self.failures) > max_rows:
            more = len(self.failures) - max_rows
            text += f"\n……另有 {more} 个" if lang == "zh" else f"\n... and {more} more"
        return text
