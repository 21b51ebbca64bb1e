"""From files to a validated dataset: reading tables, the case schema, places, practices, geographies, periods."""

from diffusion._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "diffusion.data.dataset": ["Dataset", "bundled_datasets", "default_vocabulary", "load_dataset", "read_cases"],
        "diffusion.data.geography": ["Geography", "bundled_geographies", "load_geography"],
        "diffusion.data.io": ["read_table"],
        "diffusion.data.periods": ["period_labels"],
        "diffusion.data.places": ["PlaceResolver", "Resolution"],
        "diffusion.data.vocabulary": ["Vocabulary", "split_practices"],
    },
)
