"""Tables derived from a dataset, made once while a report is written and shared by its sections.

A report's sections each derive the same tables from the dataset (its timed events placed at every
level: 18 times on a bundled report; each practice's first period per region: 12 times; the
periods' labels: 11 times). Within :func:`shared_tables`, :func:`shared` makes a table once per
dataset and hands every caller its own copy, so that no caller can change another's. Outside it,
nothing is kept: a dataset changed in a notebook is read afresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["shared", "shared_tables"]

_tables: dict[tuple[int, str], tuple[object, pd.DataFrame]] | None = None


@contextmanager
def shared_tables() -> Iterator[None]:
    """Share the tables :func:`shared` makes until the block ends (nested blocks share the outer one's).

    Examples
    --------
    >>> import pandas as pd
    >>> made = []
    >>> def make():
    ...     made.append(1)
    ...     return pd.DataFrame({"x": [1]})
    >>> ds = object()
    >>> with shared_tables():
    ...     a, b = shared(ds, "t", make), shared(ds, "t", make)
    >>> len(made), a is b, a.equals(b)
    (1, False, True)
    >>> _ = shared(ds, "t", make); len(made)  # outside: made afresh
    2
    """
    global _tables
    outer = _tables
    _tables = {} if outer is None else outer
    try:
        yield
    finally:
        _tables = outer


def shared(ds: object, name: str, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """``make()``, or within :func:`shared_tables` a copy of the table first made for ``ds`` and ``name``."""
    if _tables is None:
        return make()
    key = (id(ds), name)
    entry = _tables.get(key)
    if entry is None or entry[0] is not ds:  # the dataset is kept with its table: its id is not reused
        entry = _tables[key] = (ds, make())
    return entry[1].copy()
