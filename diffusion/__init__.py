"""policy-diffusion: from lists of pilot and exemplary cases to tested, reported diffusion patterns.

The main entry points::

    import diffusion
    ds = diffusion.load_dataset("leading-cases")      # a bundled dataset
    ds = diffusion.read_cases("my_cases.xlsx")        # your own file (validated)
    geo = diffusion.load_geography("path/to/geo")     # another country's units
    diffusion.write_report(ds, "reports")             # self-contained HTML
    diffusion.plot.adoption_curves(ds, ax=ax)          # any of the report's pictures, on your axes
    diffusion.report_tests(ds)                        # all the report's tests as one table

The package is layered: ``diffusion.data`` (files to a validated dataset), ``diffusion.network``,
``diffusion.measures``, ``diffusion.stats`` and ``diffusion.report``; names load on first use.
"""

from diffusion import _moved
from diffusion._lazy import lazy_exports

_moved.install()

_exports, _, __all__ = lazy_exports(
    __name__,
    {
        "diffusion.data.dataset": ["Dataset", "bundled_datasets", "default_vocabulary", "load_dataset", "read_cases"],
        "diffusion.data.geography": ["Geography", "bundled_geographies", "load_geography"],
        "diffusion.data.io": ["read_table"],
        "diffusion.data.places": ["PlaceResolver", "Resolution"],
        "diffusion.data.vocabulary": ["Vocabulary", "split_practices"],
        "diffusion.errors": ["DiffusionError", "InputFileError", "ValidationError"],
        "diffusion.report.render": ["write_report"],
        "diffusion.report.tests_section": ["report_tests"],
    },
)
#: Modules reached as attributes, loaded on first use like the names above.
_MODULES = ("data", "measures", "network", "plot", "report", "stats")
__all__ = [*__all__, "__version__", *_MODULES]


def __dir__() -> list[str]:
    return sorted(__all__)


def __getattr__(name: str):
    if name in _MODULES:  # diffusion.plot.adoption_curves(ds, ax=...), diffusion.stats.gradient_test(ds) ...
        import importlib

        return importlib.import_module(f"diffusion.{name}")
    if name == "__version__":  # read on demand: importlib.metadata costs a fresh process ~80 ms
        from importlib import metadata

        try:
            return metadata.version("policy-diffusion")
        except metadata.PackageNotFoundError:  # a source tree that was never installed
            return "0+unknown"
    return _exports(name)
