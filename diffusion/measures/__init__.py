"""Measures of how far and how fast practices spread, of regional innovativeness, and group comparisons."""

from diffusion._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "diffusion.measures.bass": ["BassFit", "fit_bass"],
        "diffusion.measures.counts": ["counts_by_period_practice", "counts_by_region"],
        "diffusion.measures.innovativeness": ["first_adoptions", "rank_earliness", "region_profiles", "walker_scores"],
        "diffusion.measures.spread": ["spread_metrics"],
    },
)
