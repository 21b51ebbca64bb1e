"""Old module paths of release 0.1, kept for one release: ``diffusion.spread`` still imports, with a warning.

Modules moved into subpackages in 0.2 (see CHANGELOG.md). A finder on ``sys.meta_path`` answers
an old path with a module holding the names of its new home (or homes, where one module was split),
and warns with a ``DeprecationWarning`` that names the new path.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings

__all__ = ["MOVED", "install"]

#: Old module -> the module(s) that now hold its names. Remove in 0.3.
MOVED: dict[str, tuple[str, ...]] = {
    "diffusion.io": ("diffusion.data.io",),
    "diffusion.schema": ("diffusion.data.schema",),
    "diffusion.cases": ("diffusion.data.cases",),
    "diffusion.places": ("diffusion.data.places",),
    "diffusion.vocabulary": ("diffusion.data.vocabulary",),
    "diffusion.geography": ("diffusion.data.geography",),
    "diffusion.dataset": ("diffusion.data.dataset",),
    "diffusion.resources": ("diffusion.data.resources",),
    "diffusion.distance": ("diffusion.data.distance",),
    "diffusion.summary": ("diffusion.data.periods", "diffusion.measures.counts"),
    "diffusion.centrality": ("diffusion.network.centrality",),
    "diffusion.export": ("diffusion.output", "diffusion.network.export"),
    "diffusion.spread": ("diffusion.measures.spread",),
    "diffusion.concentration": ("diffusion.measures.concentration",),
    "diffusion.bass": ("diffusion.measures.bass",),
    "diffusion.innovativeness": ("diffusion.measures.innovativeness",),
    "diffusion.compare": ("diffusion.measures.compare",),
    "diffusion.inference": ("diffusion.stats.inference",),
    "diffusion.nulls": ("diffusion.stats.nulls",),
    "diffusion.event_history": ("diffusion.stats.event_history",),
    "diffusion.hypotheses": (
        "diffusion.stats.neighbour",
        "diffusion.stats.gradient",
        "diffusion.stats.promotion",
        "diffusion.stats.coadoption",
        "diffusion.stats.spatial",
    ),
    "diffusion.testing": ("diffusion.stats.registry",),
    "diffusion.figures": ("diffusion.report.figures", "diffusion.report.matrix_figures", "diffusion.report.svg_export"),
    "diffusion.sections": ("diffusion.report.sections",),
}


class _MovedFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec):
        return types.ModuleType(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        homes = MOVED[module.__name__]
        warnings.warn(
            f"{module.__name__} moved to {' and '.join(homes)}; the old path goes in policy-diffusion 0.3.",
            DeprecationWarning,
            stacklevel=2,
        )
        names: list[str] = []
        for home in homes:
            new = importlib.import_module(home)
            module.__dict__.update({k: v for k, v in vars(new).items() if not k.startswith("__")})
            names += list(getattr(new, "__all__", []))
        module.__all__ = names  # type: ignore[attr-defined]


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
