"""Hypothesis tests on how practices spread, each with a null model that respects the hierarchy.

Every test returns a :class:`~diffusion.stats.inference.TestResult`; when the data cannot support it
(too few adopters, a single period, no neighbours at the level) the result says so instead of
printing a number. Adoption here means the first period in which a region of the chosen level
(default: the top level, e.g. province) adopted a practice.

=================  ==========================================================================
test               question, statistic and null model
=================  ==========================================================================
``neighbour``      Did practices spread to neighbours of earlier adopters more than chance?
                   Share of adoptions whose region had a neighbour that adopted the same practice
                   in an earlier period. Null: adoption times permuted among each practice's
                   adopters ("times"), within practice x stratum ("strata": province or
                   macro-region of the top level), or random regions adopting with the same
                   number per period ("adopters").
``gradient``       Did practices reach the macro-regions in the hypothesised order (the
                   geography's ``gradient_order``; China: East, Central, West)? Jonckheere–Terpstra
                   J over pairs of adoptions of the same practice (the earlier group adopting first,
                   ties 1/2), with pairwise comparisons. Null: region labels permuted among each
                   practice's adoptions.
``promotion``      Did the promoted practice gain more adoptions after its central promotion
                   than other practices did? Share of its adoptions on or after the promotion
                   date minus the same share for the other practices. Null: practice labels
                   permuted among adoptions.
``coadoption``     Do some practices travel together? Per practice pair, co-occurrence in cases
                   (or regions) against a degree-preserving curveball null (a global-trade
                   chain: burn-in of 10 trades a row, one trade a row between draws), with
                   Benjamini–Hochberg FDR over pairs; overall, the sum of squared co-occurrences.
``join-counts``    Are adopting regions clustered? Black–black joins (adjacent pairs both
                   adopting), with the analytical z. Null: adoption permuted among the regions.
``moran``          Are adoption times spatially autocorrelated? Moran's I of each practice's
                   adoption periods over its adopting regions with adopting neighbours
                   (row-standardised), averaged with weights = regions; analytical z beside.
                   Null: periods permuted among each practice's regions.
``structure``      Did the graph carry the spread beyond its degrees? Share of adoptions with an
                   alter that adopted earlier (or the mean threshold). Null: the graph rewired,
                   every unit's degree kept (netdiffuseR's ``struct_test``).
``event-history``  Do regions adopt sooner through a channel (neighbours, peers, the parent
                   unit, promotion) or with a covariate? Discrete-time logit / cloglog / linear
                   model over a baseline per practice and period; wild cluster score bootstrap.
=================  ==========================================================================

The explanatory models themselves (tidy coefficient tables, formulas, forest plots) are
:func:`fit_event_history` and the directed-dyad :func:`fit_dyadic_event_history`; the routes open
at each adoption (top-down, horizontal, bottom-up), against chance, are :func:`adoption_channels`.
"""

from diffusion._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "diffusion.stats.channel_shares": ["ChannelShares", "adoption_channels"],
        "diffusion.stats.coadoption": ["coadoption_test"],
        "diffusion.stats.dyadic": ["dyad_periods", "fit_dyadic_event_history"],
        "diffusion.stats.event_history": ["event_history_test", "person_period"],
        "diffusion.stats.event_model": ["EventHistoryModel", "fit_event_history"],
        "diffusion.stats.exposure_measures": ["exposure", "infection_susceptibility", "thresholds"],
        "diffusion.stats.gradient": ["gradient_test"],
        "diffusion.stats.inference": ["TestResult", "p_value", "permutation_test"],
        "diffusion.stats.neighbour": ["neighbour_test"],
        "diffusion.stats.promotion": ["promotion_test"],
        "diffusion.stats.hypotheses_file": ["read_hypotheses", "run_hypotheses"],
        "diffusion.stats.registry": ["run_test"],
        "diffusion.stats.representativeness": ["PilotBalance", "pilot_balance"],
        "diffusion.stats.spatial": ["join_count_test", "moran_test"],
        "diffusion.stats.structure": ["structure_test"],
    },
)
