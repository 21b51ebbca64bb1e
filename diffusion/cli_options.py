"""The options of each command of the CLI, built only for the command being run.

Choices are repeated from the modules that own them, so that building the parser imports nothing
heavy; tests/test_layout.py checks that they agree.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from diffusion.cli_input import input_options, network_options, source_options

CANDIDATE_RULES = ("all", "adjacent", "same-province", "nearest-k")
SAME_BATCH_POLICIES = ("none", "both")
GRAPHS = ("multimode", "regions", "practices", "cases", "ties")
PATHS = ("auto", "all", "last", "none")
MODEL_LINKS = ("logit", "cloglog", "linear")
MODEL_BASELINES = ("practice-period", "practice+period", "period")
MODEL_INFERENCE = ("wild", "jackknife", "sandwich")
OUTCOMES = ("within", "own")
CHANNEL_NULLS = ("times", "strata")
PILOT_DEFINITIONS = ("first", "cases")
EXPOSURE_GRAPHS = ("ties", "hierarchy")
EXPOSURE_KINDS = ("share", "count", "weighted")
TRANSMISSION_MODELS = ("exponential", "power", "rayleigh")


def _report_options(p: argparse.ArgumentParser) -> None:
    source_options(p, repeat=True)
    p.add_argument("--out", metavar="DIR", default="reports", help="output folder (default: reports)")
    p.add_argument("--seed", type=int, default=0, help="seed of permutations, bootstrap and layouts (default: 0)")
    p.add_argument("--timestamp", action="store_true", help="print the time of making in the report")
    p.add_argument(
        "--hypotheses", metavar="FILE.yaml", help="hypotheses to test (YAML list; default: a standard set of tests)"
    )
    p.add_argument(
        "--boundaries",
        metavar="FILE.geojson",
        help="polygons of the geography's units (GeoJSON, longitude/latitude): the maps add choropleths",
    )
    p.add_argument(
        "--boundaries-key",
        metavar="PROPERTY",
        help="the GeoJSON property that names units (default: the one matching most units by code or name)",
    )
    input_options(p)


def _validate_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("file")
    input_options(p)


def _network_options(p: argparse.ArgumentParser) -> None:
    source_options(p)
    p.add_argument("--level", help="level of the region nodes (default: the top level, e.g. province)")
    p.add_argument(
        "--ties",
        dest="candidates",
        choices=CANDIDATE_RULES,
        default="all",
        help="which earlier adopters a later adopter is tied to (default: all)",
    )
    p.add_argument(
        "--same-batch",
        choices=SAME_BATCH_POLICIES,
        default="none",
        help="tie adopters of the same period both ways, or not at all (default: none)",
    )
    p.add_argument("--k", type=int, default=3, help="neighbours for --ties nearest-k (default: 3)")
    p.add_argument(
        "--graph", choices=GRAPHS, default="multimode", help="which graph --export writes (default: multimode)"
    )
    p.add_argument("--export", metavar="PATH", help="write the graph: .graphml, .gexf (with timeline) or .json")
    p.add_argument(
        "--centrality",
        metavar="PATH.csv",
        help="write every centrality per period: a row per node and graph snapshot, a column per metric",
    )
    p.add_argument("--eigenvector", action="store_true", help="also compute eigenvector centrality")
    p.add_argument(
        "--betweenness",
        default="auto",
        type=_betweenness_option,
        help="exact, none, a number of sampled sources, or auto: exact up to 5,000 nodes, 500 sources above",
    )
    p.add_argument(
        "--paths",
        choices=PATHS,
        default="auto",
        help="periods that get betweenness and closeness: all, last, none, or auto: all while about 5 s of work, "
        "else evenly spaced ones (and says so)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of sampled betweenness sources (default 0)")
    p.add_argument("--jobs", dest="n_jobs", type=int, help="worker processes for centrality (default: one per core)")
    input_options(p)


def _spread_options(p: argparse.ArgumentParser) -> None:
    source_options(p)
    p.add_argument(
        "--out", metavar="PATH.csv", required=True, help="per practice: origin, milestones, Bass p/q/m (tidy)"
    )
    p.add_argument(
        "--periods",
        metavar="PATH.csv",
        help="per practice and period in which it gained adopters: reach, hazards, distances, concentration",
    )
    p.add_argument("--regions", metavar="PATH.csv", help="per region: Walker score, breadth, earliness, Rogers")
    p.add_argument("--level", help="level of the regions for --regions (default: the top level)")
    p.add_argument("--k", type=int, default=5, help="milestone: periods until k top-level units (default 5)")
    p.add_argument("--share", type=float, default=0.5, help="milestone: periods until this share (default 0.5)")
    p.add_argument(
        "--bass-intervals", choices=["covariance", "bootstrap"], default="covariance", help="95%% intervals of Bass"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: 0)")
    input_options(p)


def _test_options(p: argparse.ArgumentParser) -> None:
    """The test's name, then every option of every test, as the registry declares them."""
    from diffusion.stats.registry import ALIASES, TEST_NAMES, TESTS

    p.add_argument("name", choices=TEST_NAMES, help="which test (see the README)")
    source_options(p)
    seen: dict[str, str] = {}
    for spec in TESTS.values():
        for option in spec.options.values():
            if option.name in seen:
                continue
            seen[option.name] = spec.name
            flags = [f"--{a.replace('_', '-')}" for a, n in ALIASES.items() if n == option.name]
            flags.append("--" + option.name.replace("_", "-"))
            p.add_argument(
                *flags,
                dest=option.name,
                **({"nargs": "+"} if option.kind is tuple else {"type": option.kind}),
                choices=option.choices,
                default=argparse.SUPPRESS,  # only what is given reaches the test: its defaults apply
                help=option.help,
            )
    p.add_argument("--json", metavar="PATH", help="also write the full result as JSON")
    input_options(p)


def _model_options(p: argparse.ArgumentParser) -> None:
    """The event-history model: its formula and choices (names repeated from event_model, checked in tests)."""
    source_options(p)
    p.add_argument(
        "--formula",
        metavar='"~ TERMS"',
        help='terms, e.g. "~ neighbour_share + parent_adopted + np.log(gdp_per_capita) + C(macro_region)" '
        "(default: neighbour_share + promoted + C(macro_region)); --terms lists the channel terms",
    )
    p.add_argument("--terms", action="store_true", help="list the channel terms and the covariates, and exit")
    p.add_argument(
        "--dyadic",
        action="store_true",
        help="directed-dyad model: a row per follower at risk and earlier adopter (terms: neighbour, distance, "
        "same_parent, same_macro_region, gap_<covariate>, the follower's channel terms and covariates; "
        "default: neighbour + same_macro_region + distance + C(macro_region))",
    )
    p.add_argument("--level", help="level of the regions (default: the top level)")
    p.add_argument("--practice", help="one practice (a tag; default: all, pooled over a baseline per practice)")
    p.add_argument(
        "--outcome",
        choices=OUTCOMES,
        default="within",
        help="a region adopts with a case inside it (within, default) or at itself (own; bottom-up terms need it)",
    )
    p.add_argument("--link", choices=MODEL_LINKS, default="logit", help="default: logit")
    p.add_argument(
        "--baseline",
        choices=MODEL_BASELINES,
        default="practice-period",
        help="intercepts per practice and period (default), per practice plus per period, or per period",
    )
    p.add_argument(
        "--inference",
        choices=MODEL_INFERENCE,
        default="wild",
        help="wild cluster score bootstrap (default), cluster jackknife (CR3) or sandwich (CR1)",
    )
    p.add_argument("--draws", type=int, default=9999, help="wild bootstrap draws (default: 9999)")
    p.add_argument("--no-intervals", dest="intervals", action="store_false", help="wild p-values only (faster)")
    p.add_argument("--varies", action="append", default=[], metavar="TERM", help="test: one slope in every practice?")
    p.add_argument("--seed", type=int, default=0, help="seed of the wild bootstrap (default: 0)")
    p.add_argument("--jobs", dest="n_jobs", type=int, help="bootstrap worker processes (default: one per core)")
    p.add_argument("--out", metavar="PATH.csv", help="write the coefficient table as CSV")
    p.add_argument("--plot", metavar="PATH.svg", help="write a forest plot (SVG, PNG or PDF by the suffix)")
    p.add_argument("--json", metavar="PATH", help="write the model (coefficients and notes) as JSON")
    input_options(p)


def _compare_options(p: argparse.ArgumentParser) -> None:
    source_options(p)
    p.add_argument(
        "--by",
        default="macro-region",
        help="macro-region, province, covariate:NAME[:YEAR] (terciles), or a CSV with columns unit, group",
    )
    p.add_argument("--out", metavar="PATH.csv", required=True, help="per group and measure, with intervals")
    p.add_argument("--tests", metavar="PATH.csv", help="permutation tests of the differences between groups")
    p.add_argument("--matrix", metavar="PATH.csv", help="group x practice x period adoption with denominators")
    p.add_argument("--similarity", metavar="PATH.csv", help="portfolio similarity between groups")
    p.add_argument("--leaders", metavar="PATH.csv", help="leaders and followers between groups")
    p.add_argument("--metric", choices=["jaccard", "cosine"], default="jaccard", help="similarity measure")
    p.add_argument("--level", help="level of the units compared (default: the level most cases are at)")
    p.add_argument("--strata", choices=["province"], default=None, help="permute within provinces")
    p.add_argument("--permutations", dest="n_permutations", type=int, default=999, help="permutations (default 999)")
    p.add_argument("--bootstrap", dest="n_boot", type=int, default=999, help="bootstrap resamples (default 999)")
    p.add_argument("--seed", type=int, default=0, help="seed of bootstrap and permutations (default 0)")
    input_options(p)


def _simulate_options(p: argparse.ArgumentParser) -> None:
    from dataclasses import fields

    from diffusion.simulate import SIMULATION_HELP, SimulationParameters

    p.add_argument("--out", metavar="DIR", required=True, help="folder for cases.csv, practices.csv, truth.json")
    p.add_argument("--geography", metavar="DIR", help="geography folder (default: China)")
    defaults = SimulationParameters()
    for f in fields(SimulationParameters):
        value = getattr(defaults, f.name)
        p.add_argument(
            "--" + f.name.replace("_", "-"),
            dest=f.name,
            type=type(value) if value is not None else int,
            default=value,
            help=f"{SIMULATION_HELP[f.name]} (default: {value})",
        )
    network_options(p)
    p.add_argument("--jobs", dest="n_jobs", type=int, help="worker threads (default: one per core)")


def _channels_options(p: argparse.ArgumentParser) -> None:
    source_options(p)
    p.add_argument("--out", metavar="PATH.csv", required=True, help="shares of each channel against chance")
    p.add_argument("--adoptions", metavar="PATH.csv", help="the channels open at every adoption")
    p.add_argument(
        "--null",
        choices=CHANNEL_NULLS,
        default="times",
        help="permute periods within each practice (times) or within practice x macro-region (strata)",
    )
    p.add_argument("--permutations", dest="n_permutations", type=int, default=999, help="permutations (default 999)")
    p.add_argument("--seed", type=int, default=0, help="seed of the permutations (default 0)")
    input_options(p)


def _pilots_options(p: argparse.ArgumentParser) -> None:
    source_options(p)
    p.add_argument(
        "--out", metavar="PATH.csv", required=True, help="balance of each covariate, pilots against all units"
    )
    p.add_argument("--model", metavar="PATH.csv", help="the selection model (logit of being a pilot)")
    p.add_argument("--level", help="level of the units (default: the top level)")
    p.add_argument(
        "--pilots",
        choices=PILOT_DEFINITIONS,
        default="first",
        help="first-period adopters of each practice (first) or every unit with a case (cases)",
    )
    p.add_argument(
        "--variable", dest="variables", action="append", help="a covariate to compare (repeat; default: all known)"
    )
    p.add_argument("--permutations", dest="n_permutations", type=int, default=999, help="random draws (default 999)")
    p.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")
    input_options(p)


def _exposure_options(p: argparse.ArgumentParser) -> None:
    source_options(p)
    p.add_argument(
        "--out", metavar="PATH.csv", required=True, help="exposure of every unit to every practice, per period"
    )
    p.add_argument("--thresholds", metavar="PATH.csv", help="each adopter's exposure when it adopted")
    p.add_argument("--infection", metavar="PATH.csv", help="infectiousness and susceptibility of every adopter")
    p.add_argument("--level", help="level of the units (default: the level of the neighbour graph)")
    p.add_argument("--graph", choices=EXPOSURE_GRAPHS, default="ties", help="adjacency or network (ties), or parent")
    p.add_argument("--kind", choices=EXPOSURE_KINDS, default="share", help="share, count or weighted share of alters")
    p.add_argument("--lag", type=int, default=1, help="count adoptions this many periods before or earlier (default 1)")
    p.add_argument("--K", type=int, default=1, help="periods of infectiousness and susceptibility (default 1)")
    input_options(p)


def _infer_options(p: argparse.ArgumentParser) -> None:
    source_options(p)
    p.add_argument("--out", metavar="PATH.csv", required=True, help="the inferred edges, in the order added")
    p.add_argument("--level", help="level of the units (default: the level of the neighbour graph)")
    p.add_argument("--model", choices=TRANSMISSION_MODELS, default="exponential", help="transmission model")
    p.add_argument("--param", type=float, help="its parameter (default: chosen from the data, as NetworkInference)")
    p.add_argument("--edges", dest="n_edges", type=int, help="infer this many edges (default: while p < --p-value)")
    p.add_argument(
        "--p-value", dest="p_value", type=float, default=0.05, help="cut-off of the test of each edge (default 0.05)"
    )
    p.add_argument(
        "--calibrate",
        type=int,
        default=199,
        help="permutations that calibrate the test (default 199; 0: NetworkInference's uncalibrated rule)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the permutations (default 0)")
    p.add_argument("--window", type=float, help="infer on moving windows of this many years (e.g. 35)")
    p.add_argument("--step", type=float, default=1.0, help="years between window ends (default 1)")
    p.add_argument("--graph", metavar="PATH", help="write the network: .graphml, .gexf or .json (not with --window)")
    p.add_argument("--units", metavar="PATH.csv", help="edges sent and received by each unit")
    p.add_argument("--trees", metavar="PATH.csv", help="each adoption with the unit it most likely learnt from")
    input_options(p)


def _betweenness_option(value: str) -> str | int:
    if value in ("auto", "exact", "none"):
        return value
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise argparse.ArgumentTypeError(f"expected auto, exact, none or a number of sources >= 1; got {value!r}")


#: The options of each command.
OPTIONS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "report": _report_options,
    "validate": _validate_options,
    "network": _network_options,
    "spread": _spread_options,
    "channels": _channels_options,
    "pilots": _pilots_options,
    "exposure": _exposure_options,
    "infer": _infer_options,
    "test": _test_options,
    "model": _model_options,
    "compare": _compare_options,
    "simulate": _simulate_options,
    "datasets": lambda p: None,
}
