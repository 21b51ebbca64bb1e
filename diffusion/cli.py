"""Command-line interface: ``diffusion report``, ``validate``, ``network``, ``spread``, ``test``, ``compare``, ...

The CLI only chains public functions. Every error the package raises on purpose is printed
(with its table of problems, and the flag behind each parameter it names) and ends the command
with exit status 2; nothing is written then. Only the command being run gets its options built,
and each imports what it uses when it runs, so ``diffusion --help`` and ``diffusion validate``
start without the statistics and drawing libraries.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import diffusion
from diffusion.cli_collector import pause_collector, resume_collector
from diffusion.cli_input import (
    bundled,
    dataset,
    printable,
    read,
    with_flags,
    write_problems,
)
from diffusion.cli_options import OPTIONS
from diffusion.cli_paths import check_output_paths
from diffusion.data.resources import bundled_datasets, dataset_title
from diffusion.errors import DiffusionError, ValidationError
from diffusion.i18n import t, translate

__all__ = ["main"]


def _parser(command: str | None) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser | None]:
    """The parser, with the options of ``command`` only (the others list their help line), and its subparser."""
    parser = argparse.ArgumentParser(prog="diffusion", description="Policy-diffusion network analysis.")
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", required=True)
    chosen = None
    for name, (help_, _) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if name == command:
            OPTIONS[name](p)
            chosen = p
    return parser, chosen


class _Version(argparse.Action):
    """--version, reading the installed version only when asked."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"diffusion {diffusion.__version__}")
        parser.exit()


def run() -> None:
    """The ``diffusion`` command: :func:`main` in a process of its own, exiting with its status.

    The garbage collector pauses while the command starts (see :mod:`diffusion.cli_collector`).
    """
    pause_collector()
    sys.exit(main())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input, 130 interrupted, 143 terminated)."""
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if a in COMMANDS), None)
    parser, sub = _parser(command)
    args = parser.parse_args(argv)
    args.subparser = sub  # so that messages can name the flag behind a parameter
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminated) if in_main else None
    with warnings.catch_warnings():  # restores the caller's warning display afterwards
        warnings.showwarning = lambda message, *rest, **kw: print(
            f"warning: {printable(str(message))}", file=sys.stderr
        )
        try:
            check_output_paths(args, sub)  # before any work: a bad output path fails in a second, not after it
            with contextlib.redirect_stdout(_Printable(sys.stdout)):  # names from the data reach the terminal
                COMMANDS[args.command][1](args, argv)
        except DiffusionError as exc:
            lang = getattr(args, "lang", "en")
            text = exc.message(lang) if isinstance(exc, ValidationError) else str(exc)
            print(f"{'错误' if lang == 'zh' else 'error'}: {printable(with_flags(text, sub))}", file=sys.stderr)
            if isinstance(exc, ValidationError) and getattr(args, "problems", None):
                write_problems(exc.failures, args.problems, lang)
            return 2
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM through _terminated
            _stop_workers()
            signalled = isinstance(exc, _Terminated)
            print(f"{'terminated' if signalled else 'interrupted'}: files being written were not.", file=sys.stderr)
            return 143 if signalled else 130
        except BrokenPipeError:  # output piped into `head` and closed: not an error
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    return 0


class _Printable:
    """A text stream that shows control characters (ANSI escapes) of what is written as ``\\x1b``."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        return self.stream.write(printable(text))

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that it unwinds like Ctrl-C: temporary files removed."""


def _terminated(signum, frame):
    raise _Terminated


def _stop_workers() -> None:
    """Kill joblib's worker processes (they would outlive an interrupted run)."""
    loky = sys.modules.get("joblib.externals.loky.reusable_executor")
    executor = getattr(loky, "_executor", None)
    if executor is not None:
        executor.shutdown(wait=True, kill_workers=True)


def _datasets(args: argparse.Namespace, argv: list[str]) -> None:
    for name in bundled_datasets():
        print(f"{name}\t{dataset_title(name)}")


def _validate(args: argparse.Namespace, argv: list[str]) -> None:
    read(args, args.file)
    print(translate(t("valid: no problems found."), args.lang))


def _report(args: argparse.Namespace, argv: list[str]) -> None:
    from diffusion.data.boundaries import read_boundaries
    from diffusion.report.render import write_report
    from diffusion.stats.hypotheses_file import read_hypotheses

    command = "diffusion " + " ".join(shlex.quote(a) for a in argv)
    hypotheses = read_hypotheses(args.hypotheses) if args.hypotheses else None
    names = dict.fromkeys(args.dataset or bundled_datasets())  # a name given twice is one report
    datasets = [read(args, args.data)] if args.data else [bundled(args, n) for n in names]
    shapes = [
        read_boundaries(args.boundaries, ds.geography, key=args.boundaries_key) if args.boundaries else None
        for ds in datasets
    ]
    for ds, boundaries in zip(datasets, shapes):  # everything is read and validated before anything is written
        path = write_report(
            ds,
            args.out,
            command=command,
            lang=args.lang,
            seed=args.seed,
            hypotheses=hypotheses,
            timestamp=args.timestamp,
            boundaries=boundaries,
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
    lang = args.lang
    print(f"{res.name}: {translate(res.question, lang)}")
    if res.supported:
        numbers = t(
            "statistic {statistic:.6g}; p = {p:.4g} ({alternative}, {n} permutations, seed {seed}); "
            "null model: {model}",
            statistic=res.statistic,
            p=res.p_value,
            alternative=res.alternative,
            n=res.n_permutations,
            seed=res.seed,
            model=res.null_model,
        )
        print("  " + translate(numbers, lang))
    print("  " + with_flags(translate(res.interpretation, lang), args.subparser))  # "the `date` (--date)"
    for line in ds.coverage_statements():
        print("  " + translate(t("coverage: {statement}", statement=line), lang))
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
    resume_collector()
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
    from diffusion.measures.similarity import portfolio_similarity
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
        outputs.append((args.similarity, portfolio_similarity(ds, groups, level, args.metric).reset_index()))
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
    from diffusion.measures.spread_tables import history_table, period_table
    from diffusion.output import write_csv

    ds = dataset(args)
    metrics = spread_metrics(ds, k=args.k, share=args.share, bass_intervals=args.bass_intervals, seed=args.seed)
    periods = period_table(metrics) if args.periods else None
    regions = region_profiles(ds, args.level) if args.regions else None
    for line in ds.coverage_statements():
        print("coverage: " + translate(line, args.lang), file=sys.stderr)
    print(write_csv(history_table(metrics), args.out))
    for path, frame in ((args.periods, periods), (args.regions, regions)):
        if frame is not None:
            print(write_csv(frame, path))


def _channels(args: argparse.Namespace, argv: list[str]) -> None:
    from diffusion.output import write_csv
    from diffusion.stats.channel_shares import adoption_channels

    ds = dataset(args)
    found = adoption_channels(ds, null=args.null, n_permutations=args.n_permutations, seed=args.seed)
    for line in found.describe():
        print(line)
    for line in ds.coverage_statements():
        print("coverage: " + translate(line, args.lang), file=sys.stderr)
    print(write_csv(found.shares, args.out))
    if args.adoptions:
        print(write_csv(found.adoptions, args.adoptions))


def _pilots(args: argparse.Namespace, argv: list[str]) -> None:
    from diffusion.output import write_csv
    from diffusion.stats.representativeness import pilot_balance

    ds = dataset(args)
    found = pilot_balance(
        ds,
        level=args.level,
        pilots=args.pilots,
        variables=tuple(args.variables) if args.variables else None,
        n_permutations=args.n_permutations,
        seed=args.seed,
    )
    print(found.verdict)
    print(f"selection model: {found.model_note}")
    print(write_csv(found.balance, args.out))
    if args.model:
        print(write_csv(found.model, args.model))


def _exposure(args: argparse.Namespace, argv: list[str]) -> None:
    from diffusion.output import write_csv
    from diffusion.stats.exposure_measures import exposure, infection_susceptibility, thresholds

    ds = dataset(args)
    options = {"level": args.level, "graph": args.graph}
    table = exposure(ds, kind=args.kind, lag=args.lag, **options)
    limits = thresholds(ds, kind=args.kind, lag=args.lag, **options) if args.thresholds else None
    spread = infection_susceptibility(ds, K=args.K, **options) if args.infection else None
    print(write_csv(table, args.out))
    if limits is not None:
        print(write_csv(limits, args.thresholds))
    if spread is not None:
        print(write_csv(spread, args.infection))


def _infer(args: argparse.Namespace, argv: list[str]) -> None:
    from diffusion.network.cascades import dataset_cascades
    from diffusion.network.inferred import adjacency_overlap, netinf_windows, senders_receivers
    from diffusion.network.netinf_search import netinf
    from diffusion.output import write_csv

    if args.graph and args.window:
        raise DiffusionError("`--graph` writes one network: give it without `--window`.")
    ds = dataset(args)
    cascades = dataset_cascades(ds, args.level)
    options = {"model": args.model, "param": args.param, "n_edges": args.n_edges, "p_value": args.p_value}
    options |= {"calibrate": args.calibrate, "seed": args.seed}
    for line in ds.coverage_statements():
        print("coverage: " + translate(line, args.lang), file=sys.stderr)
    if args.window:
        found = netinf_windows(cascades, args.window, step=args.step, **options)
        print(found.summary.to_string(index=False))
        print(write_csv(found.edges, args.out))
        return
    net = netinf(cascades, **options)
    print(net.describe())
    try:
        print(adjacency_overlap(net, ds).describe())
    except DiffusionError as exc:
        print(f"no comparison with neighbours: {exc}", file=sys.stderr)
    graph = net.to_networkx() if args.graph else None  # everything is computed before anything is written
    name = {u: ds.geography.label(u, args.lang) for u in cascades.units}
    edges = net.edges.assign(source_name=net.edges["source"].map(name), target_name=net.edges["target"].map(name))
    print(write_csv(edges, args.out))
    if args.units:
        units = senders_receivers(net)
        print(write_csv(units.assign(name=units["unit"].map(name)), args.units))
    if args.trees:
        print(write_csv(net.trees(), args.trees))
    if graph is not None:
        from diffusion.network.export import write_graph

        print(write_graph(graph, args.graph))


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
            net,
            eigenvector=args.eigenvector,
            betweenness=args.betweenness,
            paths=args.paths,
            seed=args.seed,
            n_jobs=args.n_jobs,
            layout="wide",
        )
        labels = net.nodes.set_index("node")
        for at, column in enumerate(("label_en", "label_zh"), start=1):
            table.insert(at, column, table["node"].map(labels[column]))
    if args.export:
        from diffusion.network.export import write_graph

        print(write_graph(graph, args.export))
    if args.centrality:
        print(write_csv(table, args.centrality))


#: command -> (help, adds its options, runs it)
#: Each command: its help line and the function that runs it (its options: cli_options.OPTIONS).
COMMANDS: dict[str, tuple[str, Callable]] = {
    "report": ("write HTML reports (default: one per bundled dataset)", _report),
    "validate": ("check a case file without analysing it", _validate),
    "network": ("build the temporal network; export it and its centralities", _network),
    "spread": ("spread metrics per practice and innovativeness per region, as CSV", _spread),
    "channels": ("the routes open at each adoption (top-down, horizontal, bottom-up), against chance", _channels),
    "pilots": ("are pilots a representative draw of the units? balance and a selection model", _pilots),
    "exposure": ("exposure, thresholds, infectiousness and susceptibility of every unit, on any graph", _exposure),
    "infer": ("infer who learns from whom from adoption times alone (NetInf), also on moving windows", _infer),
    "test": ("test a hypothesis on how practices spread", _test),
    "model": ("event-history model of adoption with channel and covariate terms", _model),
    "compare": ("compare adoption between macro-regions, provinces or your groups", _compare),
    "simulate": ("synthetic adoption data with planted effects (labelled synthetic)", _simulate),
    "datasets": ("list the bundled datasets", _datasets),
}


if __name__ == "__main__":
    run()
