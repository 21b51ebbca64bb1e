"""Command-line interface: ``diffusion report``, ``validate``, ``network``, ``spread``, ``test``, ``compare``, ...

The CLI only chains public functions. Every error the package raises on purpose is printed
(with its table of problems, and the flag behind each parameter it names) and ends the command
with exit status 2; nothing is written then. Only the command being run gets its options built,
and each imports what it uses when it runs, so ``diffusion --help`` and ``diffusion validate``
start without the statistics and drawing libraries.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import diffusion
from diffusion.cli_input import (
    bundled,
    dataset,
    input_options,
    network_options,
    read,
    source_options,
    with_flags,
    write_problems,
)
from diffusion.data.resources import bundled_datasets, dataset_title
from diffusion.errors import DiffusionError, ValidationError
from diffusion.i18n import t, translate

__all__ = ["main"]

# Choices repeated from the modules that own them, so that building the parser imports nothing
# heavy; tests/test_layout.py checks that they agree.
CANDIDATE_RULES = ("all", "adjacent", "same-province", "nearest-k")
SAME_BATCH_POLICIES = ("none", "both")
GRAPHS = ("multimode", "regions", "practices", "cases", "ties")
MODEL_LINKS = ("logit", "cloglog", "linear")
MODEL_BASELINES = ("practice-period", "practice+period", "period")
MODEL_INFERENCE = ("wild", "jackknife", "sandwich")
OUTCOMES = ("within", "own")


def _report_options(p: argparse.ArgumentParser) -> None:
    source_options(p, repeat=True)
    p.add_argument("--out", metavar="DIR", default="reports", help="output folder (default: reports)")
    p.add_argument("--seed", type=int, default=0, help="seed of permutations, bootstrap and layouts (default: 0)")
    p.add_argument("--timestamp", action="store_true", help="print the time of making in the report")
    p.add_argument(
        "--hypotheses", metavar="FILE.yaml", help="hypotheses to test (YAML list; default: a standard set of tests)"
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
    p.add_argument("--centrality", metavar="PATH.csv", help="write every centrality, per period, as a tidy CSV")
    p.add_argument("--eigenvector", action="store_true", help="also compute eigenvector centrality")
    p.add_argument(
        "--betweenness",
        default="auto",
        type=_betweenness_option,
        help="exact, none, a number of sampled sources, or auto: exact up to 5,000 nodes, 500 sources above",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of sampled betweenness sources (default 0)")
    p.add_argument("--jobs", dest="n_jobs", type=int, help="worker processes for centrality (default: one per core)")
    input_options(p)


def _spread_options(p: argparse.ArgumentParser) -> None:
    source_options(p)
    p.add_argument("--out", metavar="PATH.csv", required=True, help="tidy spread metrics (see the README)")
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


def _parser(command: str | None) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser | None]:
    """The parser, with the options of ``command`` only (the others list their help line), and its subparser."""
    parser = argparse.ArgumentParser(prog="diffusion", description="Policy-diffusion network analysis.")
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    chosen = None
    for name, (help_, add_options, _) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if name == command:
            add_options(p)
            chosen = p
    return parser, chosen


class _Version(argparse.Action):
    """--version, reading the installed version only when asked."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"diffusion {diffusion.__version__}")
        parser.exit()


def _betweenness_option(value: str) -> str | int:
    if value in ("auto", "exact", "none"):
        return value
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise argparse.ArgumentTypeError(f"expected auto, exact, none or a number of sources >= 1; got {value!r}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input)."""
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if a in COMMANDS), None)
    parser, sub = _parser(command)
    args = parser.parse_args(argv)
    args.subparser = sub  # so that messages can name the flag behind a parameter
    with warnings.catch_warnings():  # restores the caller's warning display afterwards
        warnings.showwarning = lambda message, *rest, **kw: print(f"warning: {message}", file=sys.stderr)
        try:
            COMMANDS[args.command][2](args, argv)
        except DiffusionError as exc:
            lang = getattr(args, "lang", "en")
            text = exc.message(lang) if isinstance(exc, ValidationError) else str(exc)
            print(f"{'错误' if lang == 'zh' else 'error'}: {with_flags(text, sub)}", file=sys.stderr)
            if isinstance(exc, ValidationError) and getattr(args, "problems", None):
                write_problems(exc.failures, args.problems, lang)
            return 2
        except BrokenPipeError:  # output piped into `head` and closed: not an error
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
    return 0


def _datasets(args: argparse.Namespace, argv: list[str]) -> None:
    for name in bundled_datasets():
        print(f"{name}\t{dataset_title(name)}")


def _validate(args: argparse.Namespace, argv: list[str]) -> None:
    read(args, args.file)
    print(translate(t("valid: no problems found."), args.lang))


def _report(args: argparse.Namespace, argv: list[str]) -> None:
    from diffusion.report.render import write_report
    from diffusion.stats.hypotheses_file import read_hypotheses

    command = "diffusion " + " ".join(shlex.quote(a) for a in argv)
    hypotheses = read_hypotheses(args.hypotheses) if args.hypotheses else None
    datasets = [read(args, args.data)] if args.data else [bundled(args, n) for n in args.dataset or bundled_datasets()]
    for ds in datasets:  # everything is read and validated before anything is written
        path = write_report(
            ds,
            args.out,
            command=command,
            lang=args.lang,
            seed=args.seed,
            hypotheses=hypotheses,
            timestamp=args.timestamp,
        )
        print(Path(path))
        print(Path(path).with_suffix(".json"))


def _test(args: argparse.Namespace, argv: list[str]) -> None:
    import json

    from diffusion.output import atomic_write
    from diffusion.stats.registry import TESTS, run_test

    ds = dataset(args)
    mine = TESTS[args.name].options
    options = {name: getattr(args, name) for name in mine if hasattr(args, name)}  # only the options given
    foreign = [n for spec in TESTS.values() for n in spec.options if hasattr(args, n) and n not in mine]
    if foreign:
        raise DiffusionError(
            f"test {args.name} has no option {', '.join(f'`{n}`' for n in dict.fromkeys(foreign))}; "
            f"its options are {', '.join(f'`{n}`' for n in TESTS[args.name].options)}."
        )
    res = run_test(ds, args.name, **options)
    print(f"{res.name}: {res.question}")
    if res.supported:
        print(
            f"  statistic {res.statistic:.6g}; p = {res.p_value:.4g} ({res.alternative}, "
            f"{res.n_permutations} permutations, seed {res.seed}); null model: {res.null_model}"
        )
    print("  " + with_flags(res.interpretation, args.subparser))  # "give the promotion `date` (--date)"
    for line in ds.coverage_statements():
        print("  coverage: " + translate(line, args.lang))
    if args.json:
        text = json.dumps(res.to_dict(), ensure_ascii=False, indent=1, sort_keys=True, default=str)
        print(atomic_write(args.json, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8")))


def _model(args: argparse.Namespace, argv: list[str]) -> None:
    from diffusion.stats.model_output import print_terms, write_model

    ds = dataset(args)
    if args.terms:
        print_terms(ds)
        return
    from diffusion.stats.dyadic import fit_dyadic_event_history
    from diffusion.stats.event_model import fit_event_history

    options = {"outcome": args.outcome} if not args.dyadic else {}
    with warnings.catch_warnings():  # the model's warnings are printed with its summary
        warnings.simplefilter("ignore")
        model = (fit_dyadic_event_history if args.dyadic else fit_event_history)(
            ds,
            args.formula,
            level=args.level,
            practice=args.practice,
            **options,
            link=args.link,
            baseline=args.baseline,
            inference=args.inference,
            draws=args.draws,
            intervals=args.intervals,
            seed=args.seed,
            n_jobs=args.n_jobs,
            vary=tuple(args.varies),
        )
    print(model.summary())
    for term in model.coefficients["term"]:
        print("  " + model.describe(term))
    for line in ds.coverage_statements():
        print("  coverage: " + translate(line, args.lang))
    for path in write_model(model, csv=args.out, plot=args.plot, json=args.json):
        print(path)


def _simulate(args: argparse.Namespace, argv: list[str]) -> None:
    from dataclasses import fields

    from diffusion.data.geography import load_geography
    from diffusion.data.influence import read_network
    from diffusion.simulate import SimulationParameters, write_simulation

    values = {f.name: getattr(args, f.name) for f in fields(SimulationParameters)}
    values["promotion_period"] = values["promotion_period"] or None
    params = SimulationParameters(**values)
    geo = load_geography(args.geography)
    network = read_network(args.network, geo, directed=args.directed) if args.network else None
    path = write_simulation(args.out, geo, params, network=network, n_jobs=args.n_jobs)
    print(path)
    print(path.with_name("practices.csv"))
    print(path.with_name("truth.json"))
    print(
        f"synthetic data; analyse with: diffusion report --data {path} --practices {path.with_name('practices.csv')}"
        + (f" --geography {args.geography}" if args.geography else ""),
        file=sys.stderr,
    )


def _compare(args: argparse.Namespace, argv: list[str]) -> None:
    from diffusion.measures import compare
    from diffusion.output import write_csv

    ds = dataset(args)
    level = args.level or compare.default_level(ds)
    groups = compare.assign_groups(ds, args.by, level)
    table, tests = compare.compare_groups(
        ds,
        args.by,
        level=level,
        strata=args.strata,
        n_boot=args.n_boot,
        n_permutations=args.n_permutations,
        seed=args.seed,
    )
    outputs = [(args.out, table), (args.tests, tests)]
    if args.matrix:
        outputs.append((args.matrix, compare.adoption_matrix(ds, groups, level)))
    if args.similarity:
        outputs.append((args.similarity, compare.portfolio_similarity(ds, groups, level, args.metric).reset_index()))
    if args.leaders:
        leaders = compare.leaders_followers(ds, groups, level, n_permutations=args.n_permutations, seed=args.seed)
        outputs.append((args.leaders, leaders))
    print(f"units: {level}; groups: {', '.join(map(str, sorted(groups.dropna().unique())))}", file=sys.stderr)
    for row in tests.itertuples(index=False):
        print("  " + row.interpretation, file=sys.stderr)
    for path, frame in outputs:  # everything is computed before anything is written
        if path:
            print(write_csv(frame, path))


def _spread(args: argparse.Namespace, argv: list[str]) -> None:
    from diffusion.measures.innovativeness import region_profiles
    from diffusion.measures.spread import spread_metrics
    from diffusion.output import write_csv

    ds = dataset(args)
    metrics = spread_metrics(ds, k=args.k, share=args.share, bass_intervals=args.bass_intervals, seed=args.seed)
    regions = region_profiles(ds, args.level) if args.regions else None
    for line in ds.coverage_statements():
        print("coverage: " + translate(line, args.lang), file=sys.stderr)
    print(write_csv(metrics, args.out))
    if regions is not None:
        print(write_csv(regions, args.regions))


def _network(args: argparse.Namespace, argv: list[str]) -> None:
    from diffusion.network.build import build_network
    from diffusion.output import write_csv

    if not (args.export or args.centrality):
        raise DiffusionError("nothing to write: give `export` PATH and/or `centrality` PATH.csv.")
    ds = dataset(args)
    net = build_network(ds, args.level, candidates=args.candidates, same_batch=args.same_batch, k=args.k)
    print(
        f"network at level {net.level}: {len(net.period_numbers)} periods, {len(net.ties)} diffusion ties; "
        f"{net.excluded_events} adoption events without a time left out. {net.policy.describe()}",
        file=sys.stderr,
    )
    if args.export:  # everything is computed before anything is written
        graph = net.to_networkx(args.graph)
    if args.centrality:
        from diffusion.network.centrality import centrality

        table = centrality(
            net, eigenvector=args.eigenvector, betweenness=args.betweenness, seed=args.seed, n_jobs=args.n_jobs
        )
        table = table.join(net.nodes.set_index("node")[["label_en", "label_zh"]], on="node")
    if args.export:
        from diffusion.network.export import write_graph

        print(write_graph(graph, args.export))
    if args.centrality:
        print(write_csv(table, args.centrality))


#: command -> (help, adds its options, runs it)
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None], Callable]] = {
    "report": ("write HTML reports (default: one per bundled dataset)", _report_options, _report),
    "validate": ("check a case file without analysing it", _validate_options, _validate),
    "network": ("build the temporal network; export it and its centralities", _network_options, _network),
    "spread": ("spread metrics per practice and innovativeness per region, as CSV", _spread_options, _spread),
    "test": ("test a hypothesis on how practices spread", _test_options, _test),
    "model": ("event-history model of adoption with channel and covariate terms", _model_options, _model),
    "compare": ("compare adoption between macro-regions, provinces or your groups", _compare_options, _compare),
    "simulate": ("synthetic adoption data with planted effects (labelled synthetic)", _simulate_options, _simulate),
    "datasets": ("list the bundled datasets", lambda p: None, _datasets),
}


if __name__ == "__main__":
    sys.exit(main())
