"""Package namespaces that import their modules on first use, so that a command loads only what it runs."""

from __future__ import annotations

import importlib
from collections.abc import Callable

__all__ = ["lazy_exports"]


def lazy_exports(package: str, table: dict[str, list[str]]) -> tuple[Callable, Callable, list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for a package that re-exports ``table``'s names.

    ``table`` maps a module to the names it exports; a name is imported from its module when it
    is first read (PEP 562), so ``import diffusion`` costs nothing until something is used.

    Examples
    --------
    >>> getattr_, dir_, all_ = lazy_exports("pkg", {"json": ["dumps"]})
    >>> getattr_("dumps")([1])
    '[1]'
    """
    where = {name: module for module, names in table.items() for name in names}

    def __getattr__(name: str):
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(where[name]), name)

    def __dir__() -> list[str]:
        return sorted(where)

    return __getattr__, __dir__, sorted(where)
