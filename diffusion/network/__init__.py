"""The temporal network of cases, practices and regions: building it, its centralities, exporting it;
and the latent network inferred from adoption times (NetInf).

Only this subpackage imports igraph, and only when centrality is computed."""

from diffusion._lazy import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(
    __name__,
    {
        "diffusion.network.build": [
            "CANDIDATE_RULES",
            "GRAPHS",
            "SAME_BATCH_POLICIES",
            "TemporalNetwork",
            "TiePolicy",
            "build_network",
            "jaccard",
        ],
        "diffusion.network.export": ["write_graph"],
        "diffusion.network.cascades": ["Cascades", "dataset_cascades"],
        "diffusion.network.netinf_search": ["InferredNetwork", "netinf"],
        "diffusion.network.inferred": ["adjacency_overlap", "infer_network", "netinf_windows", "senders_receivers"],
    },
)
