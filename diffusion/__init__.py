"""policy-diffusion: from lists of pilot and exemplary cases to tested, reported diffusion patterns.

The main entry points::

    import diffusion
    ds = diffusion.load_dataset("leading-cases")      # a bundled dataset
    ds = diffusion.read_cases("my_cases.xlsx")        # your own file (validated)
    geo = diffusion.load_geography("path/to/geo")     # another country's units
    diffusion.write_report(ds, "reports")             # self-contained HTML
"""

from diffusion.dataset import Dataset, bundled_datasets, default_vocabulary, load_dataset, read_cases
from diffusion.errors import DiffusionError, InputFileError, ValidationError
from diffusion.geography import Geography, bundled_geographies, load_geography
from diffusion.io import read_table
from diffusion.places import PlaceResolver, Resolution
from diffusion.vocabulary import Vocabulary, split_practices

__all__ = [
    "Dataset",
    "DiffusionError",
    "Geography",
    "InputFileError",
    "PlaceResolver",
    "Resolution",
    "ValidationError",
    "Vocabulary",
    "bundled_datasets",
    "bundled_geographies",
    "default_vocabulary",
    "load_dataset",
    "load_geography",
    "read_cases",
    "read_table",
    "split_practices",
    "write_report",
]


def __getattr__(name: str):
    # Drawing libraries load only when a report is written.
    if name == "write_report":
        from diffusion.report import write_report

        return write_report
    raise AttributeError(name)
