"""Command-line interface: ``diffusion report``, ``network``, ``validate`` and ``datasets``.

The CLI only chains public functions. Every error the package raises on purpose is printed
(with its table of problems) and ends the command with exit status 2; nothing is written then.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import warnings
from pathlib import Path

from diffusion.data.dataset import Dataset, bundled_datasets, load_dataset, read_cases
from diffusion.errors import DiffusionError
from diffusion.network.build import CANDIDATE_RULES, GRAPHS, SAME_BATCH_POLICIES, build_network
from diffusion.simulate import SimulationParameters
from diffusion.stats.inference import ALTERNATIVES
from diffusion.stats.registry import TEST_NAMES

__all__ = ["main"]


def _source_options(p: argparse.ArgumentParser) -> None:
    """--data FILE or --dataset NAME (default: the leading cases)."""
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", metavar="FILE", help="your case file (CSV, TSV, XLSX or JSON)")
    src.add_argument(
        "--dataset",
        metavar="NAME",
        choices=bundled_datasets(),
        default=None,
        help="a bundled dataset (default: leading-cases)",
    )


def _input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--geography", metavar="DIR", help="folder with units.csv and adjacency.csv (default: China)")
    p.add_argument("--practices", metavar="FILE", help="practice vocabulary CSV (tag_id, label_en, label_zh)")
    p.add_argument(
        "--extend-vocabulary",
        action="store_true",
        help="accept practices not in the vocabulary, adding them as new tags",
    )
    p.add_argument(
        "--batches", metavar="FILE", help="known batches: series, batch, date[, official_count] (dates and coverage)"
    )
    p.add_argument("--series", help="series name for rows that give none (default: the file name)")
    p.add_argument(
        "--allow-unresolved",
        action="store_true",
        help="keep rows whose place is not in the geography, attached to the nearest parent",
    )
    p.add_argument("--delimiter", help="field separator of a text file (default: comma, or tab for .tsv)")
    p.add_argument("--sheet", help="worksheet of an XLSX file (default: the first)")


def _read(args: argparse.Namespace, path: str) -> Dataset:
    return read_cases(
        path,
        geography=args.geography,
        vocabulary=args.practices,
        batches=args.batches,
        series=args.series,
        extend_vocabulary=args.extend_vocabulary,
        allow_unresolved=args.allow_unresolved,
        delimiter=args.delimiter,
        sheet=args.sheet,
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="diffusion", description="Policy-diffusion network analysis.")
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="write HTML reports (default: one per bundled dataset)")
    src = rep.add_mutually_exclusive_group()
    src.add_argument("--data", metavar="FILE", help="your case file (CSV, TSV, XLSX or JSON)")
    src.add_argument(
        "--dataset",
        metavar="NAME",
        action="append",
        choices=bundled_datasets(),
        help="a bundled dataset (repeatable); default: all of them",
    )
    rep.add_argument("--out", metavar="DIR", default="reports", help="output folder (default: reports)")
    rep.add_argument("--lang", choices=["en", "zh"], default="en", help="language of headings and figure labels")
    rep.add_argument("--seed", type=int, default=0, help="seed of randomised steps, e.g. drawing layouts (default: 0)")
    rep.add_argument("--timestamp", action="store_true", help="print the time of making in the report")
    rep.add_argument(
        "--hypotheses", metavar="FILE.yaml", help="hypotheses to test (YAML list; default: a standard set of tests)"
    )
    _input_options(rep)
    val = sub.add_parser("validate", help="check a case file without analysing it")
    val.add_argument("file")
    _input_options(val)
    net = sub.add_parser("network", help="build the temporal network; export it and its centralities")
    _source_options(net)
    net.add_argument("--level", help="level of the region nodes (default: the top level, e.g. province)")
    net.add_argument(
        "--ties",
        choices=CANDIDATE_RULES,
        default="all",
        help="which earlier adopters a later adopter is tied to (default: all)",
    )
    net.add_argument(
        "--same-batch",
        choices=SAME_BATCH_POLICIES,
        default="none",
        help="tie adopters of the same period both ways, or not at all (default: none)",
    )
    net.add_argument("--k", type=int, default=3, help="neighbours for --ties nearest-k (default: 3)")
    net.add_argument(
        "--graph", choices=GRAPHS, default="multimode", help="which graph --export writes (default: multimode)"
    )
    net.add_argument("--export", metavar="PATH", help="write the graph: .graphml, .gexf (with timeline) or .json")
    net.add_argument("--centrality", metavar="PATH.csv", help="write every centrality, per period, as a tidy CSV")
    net.add_argument("--eigenvector", action="store_true", help="also compute eigenvector centrality")
    net.add_argument(
        "--betweenness",
        default="auto",
        type=_betweenness_option,
        help="exact, none, a number of sampled sources, or auto: exact up to 5,000 nodes, 500 sources above",
    )
    net.add_argument("--seed", type=int, default=0, help="seed of sampled betweenness sources (default 0)")
    net.add_argument("--jobs", type=int, default=None, help="worker processes for centrality (default: one per core)")
    _input_options(net)
    spr = sub.add_parser("spread", help="spread metrics per practice and innovativeness per region, as CSV")
    _source_options(spr)
    spr.add_argument("--out", metavar="PATH.csv", required=True, help="tidy spread metrics (see the README)")
    spr.add_argument("--regions", metavar="PATH.csv", help="per region: Walker score, breadth, earliness, Rogers")
    spr.add_argument("--level", help="level of the regions for --regions (default: the top level)")
    spr.add_argument("--k", type=int, default=5, help="milestone: periods until k top-level units (default 5)")
    spr.add_argument("--share", type=float, default=0.5, help="milestone: periods until this share (default 0.5)")
    spr.add_argument(
        "--bass-intervals",
        choices=["covariance", "bootstrap"],
        default="covariance",
        help="95%% intervals of the Bass parameters (default: covariance)",
    )
    spr.add_argument("--seed", type=int, default=0, help="seed of the bootstrap (default: 0)")
    _input_options(spr)
    tst = sub.add_parser("test", help="test a hypothesis on how practices spread")
    tst.add_argument("name", choices=TEST_NAMES, help="which test (see the README)")
    _source_options(tst)
    tst.add_argument("--practice", help="restrict to one practice (required for promotion)")
    tst.add_argument("--permutations", type=int, default=999, help="permutations R (default 999)")
    tst.add_argument("--seed", type=int, default=0, help="seed of the permutations (default 0)")
    tst.add_argument("--alternative", choices=ALTERNATIVES, default=None, help="default: greater")
    tst.add_argument("--level", help="level of the regions (default: the top level)")
    tst.add_argument(
        "--null",
        choices=["times", "strata", "adopters"],
        default="times",
        help="null model of the neighbour test (default: times)",
    )
    tst.add_argument(
        "--strata",
        choices=["macro_region", "province"],
        default="macro_region",
        help="strata of --null strata (default: macro_region)",
    )
    tst.add_argument("--northeast", default="exclude", help="gradient: exclude, East, Central or West")
    tst.add_argument("--date", help="promotion: the promotion date (default: the practice's first event)")
    tst.add_argument("--link", choices=["logit", "cloglog"], default="logit", help="event-history link")
    tst.add_argument("--jobs", type=int, default=None, help="worker threads for permutations (default: one per core)")
    tst.add_argument("--json", metavar="PATH", help="also write the full result as JSON")
    _input_options(tst)
    cmp_ = sub.add_parser("compare", help="compare adoption between macro-regions, provinces or your groups")
    _source_options(cmp_)
    cmp_.add_argument(
        "--by",
        default="macro-region",
        help="macro-region, province, or a CSV with columns unit, group (default: macro-region)",
    )
    cmp_.add_argument("--out", metavar="PATH.csv", required=True, help="per group and measure, with intervals")
    cmp_.add_argument("--tests", metavar="PATH.csv", help="permutation tests of the differences between groups")
    cmp_.add_argument("--matrix", metavar="PATH.csv", help="group x practice x period adoption with denominators")
    cmp_.add_argument("--similarity", metavar="PATH.csv", help="portfolio similarity between groups")
    cmp_.add_argument("--leaders", metavar="PATH.csv", help="leaders and followers between groups")
    cmp_.add_argument("--metric", choices=["jaccard", "cosine"], default="jaccard", help="similarity measure")
    cmp_.add_argument("--level", help="level of the units compared (default: the level most cases are at)")
    cmp_.add_argument("--strata", choices=["province"], default=None, help="permute within provinces")
    cmp_.add_argument("--permutations", type=int, default=999, help="permutations (default 999)")
    cmp_.add_argument("--bootstrap", type=int, default=999, help="bootstrap resamples (default 999)")
    cmp_.add_argument("--seed", type=int, default=0, help="seed of bootstrap and permutations (default 0)")
    _input_options(cmp_)
    sim = sub.add_parser("simulate", help="synthetic adoption data with planted effects (labelled synthetic)")
    sim.add_argument("--out", metavar="DIR", required=True, help="folder for cases.csv, practices.csv, truth.json")
    sim.add_argument("--geography", metavar="DIR", help="geography folder (default: China)")
    defaults = SimulationParameters()
    for name, kind, help_ in (
        ("level", str, "level of the units"),
        ("practices", int, "number of practices"),
        ("periods", int, "number of periods"),
        ("pilots", int, "pilot units per practice in period 1"),
        ("p", float, "external (promotion) adoption rate per period"),
        ("q", float, "imitation of neighbours (times the share of neighbours that adopted)"),
        ("q_within", float, "imitation within the province (times the share of its units that adopted)"),
        ("east_bias", float, "odds of an Eastern unit being a pilot, relative to others"),
        ("promotion_period", int, "period from which the external rate is boosted (0: never)"),
        ("promotion_boost", float, "factor of the external rate from the promotion period"),
        ("start_year", int, "calendar year of period 1"),
        ("seed", int, "seed of the simulation"),
    ):
        sim.add_argument(
            "--" + name.replace("_", "-"),
            dest=name,
            type=kind,
            default=getattr(defaults, name),
            help=f"{help_} (default: {getattr(defaults, name)})",
        )
    sim.add_argument("--jobs", type=int, default=None, help="worker threads (default: one per core)")
    sub.add_parser("datasets", help="list the bundled datasets")
    return parser


def _betweenness_option(value: str) -> str | int:
    if value in ("auto", "exact", "none"):
        return value
    if value.isdigit() and int(value) >= 1:
        return int(value)
    raise argparse.ArgumentTypeError(f"expected auto, exact, none or a number of sources >= 1; got {value!r}")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit status (0 ok, 2 bad input)."""
    argv = sys.argv[1:] if argv is None else argv
    args = _parser().parse_args(argv)
    with warnings.catch_warnings():  # restores the caller's warning display afterwards
        warnings.showwarning = lambda message, *rest, **kw: print(f"warning: {message}", file=sys.stderr)
        try:
            return _run(args, argv)
        except BrokenPipeError:  # output piped into `head` and closed: not an error
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
            return 0


def _run(args: argparse.Namespace, argv: list[str]) -> int:
    try:
        if args.command == "datasets":
            for name in bundled_datasets():
                print(f"{name}\t{load_dataset(name).title}")
        elif args.command == "network":
            _network(args)
        elif args.command == "spread":
            _spread(args)
        elif args.command == "test":
            _test(args)
        elif args.command == "compare":
            _compare(args)
        elif args.command == "simulate":
            _simulate(args)
        elif args.command == "validate":
            ds = _read(args, args.file)
            _print_read_summary(ds)
            print("valid: no problems found.")
        else:
            _report(args, argv)
    except DiffusionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def _report(args: argparse.Namespace, argv: list[str]) -> None:
    from diffusion.report.render import write_report  # matplotlib is imported only when drawing
    from diffusion.stats.registry import read_hypotheses

    command = "diffusion " + " ".join(shlex.quote(a) for a in argv)
    hypotheses = read_hypotheses(args.hypotheses) if args.hypotheses else None
    if args.data:
        datasets = [_read(args, args.data)]
        _print_read_summary(datasets[0])
    else:
        datasets = [load_dataset(n) for n in (args.dataset or bundled_datasets())]
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


def _dataset(args: argparse.Namespace) -> Dataset:
    """The user's file (--data) or a bundled dataset (--dataset, default leading-cases)."""
    if args.data:
        ds = _read(args, args.data)
        _print_read_summary(ds)
        return ds
    return load_dataset(args.dataset or "leading-cases")


def _test(args: argparse.Namespace) -> None:
    import json

    from diffusion.output import atomic_write
    from diffusion.stats.registry import run_test

    ds = _dataset(args)
    options = {
        "practice": args.practice,
        "n_permutations": args.permutations,
        "seed": args.seed,
        "alternative": args.alternative,
        "level": args.level,
        "null": args.null,
        "northeast": args.northeast,
        "date": args.date,
        "link": args.link,
        "n_jobs": args.jobs,
    }
    res = run_test(ds, args.name, **options)
    print(f"{res.name}: {res.question}")
    if res.supported:
        print(
            f"  statistic {res.statistic:.6g}; p = {res.p_value:.4g} ({res.alternative}, "
            f"{res.n_permutations} permutations, seed {res.seed}); null model: {res.null_model}"
        )
    print("  " + res.interpretation)
    for line in ds.coverage_statements():
        print("  coverage: " + line)
    if args.json:
        text = json.dumps(res.to_dict(), ensure_ascii=False, indent=1, sort_keys=True, default=str)
        print(atomic_write(args.json, lambda tmp: tmp.write_text(text + "\n", encoding="utf-8")))


def _simulate(args: argparse.Namespace) -> None:
    from dataclasses import fields

    from diffusion.data.geography import load_geography
    from diffusion.simulate import write_simulation

    values = {f.name: getattr(args, f.name) for f in fields(SimulationParameters)}
    values["promotion_period"] = values["promotion_period"] or None
    path = write_simulation(args.out, load_geography(args.geography), SimulationParameters(**values), n_jobs=args.jobs)
    print(path)
    print(path.with_name("practices.csv"))
    print(path.with_name("truth.json"))
    print(
        f"synthetic data; analyse with: diffusion report --data {path} --practices {path.with_name('practices.csv')}"
        + (f" --geography {args.geography}" if args.geography else ""),
        file=sys.stderr,
    )


def _compare(args: argparse.Namespace) -> None:
    from diffusion.measures import compare
    from diffusion.output import write_csv

    ds = _dataset(args)
    level = args.level or compare.default_level(ds)
    groups = compare.assign_groups(ds, args.by, level)
    table, tests = compare.compare_groups(
        ds,
        args.by,
        level=level,
        strata=args.strata,
        n_boot=args.bootstrap,
        n_permutations=args.permutations,
        seed=args.seed,
    )
    outputs = [(args.out, table), (args.tests, tests)]
    if args.matrix:
        outputs.append((args.matrix, compare.adoption_matrix(ds, groups, level)))
    if args.similarity:
        sim = compare.portfolio_similarity(ds, groups, level, args.metric)
        outputs.append((args.similarity, sim.reset_index()))
    if args.leaders:
        outputs.append(
            (
                args.leaders,
                compare.leaders_followers(ds, groups, level, n_permutations=args.permutations, seed=args.seed),
            )
        )
    print(f"units: {level}; groups: {', '.join(map(str, sorted(groups.dropna().unique())))}", file=sys.stderr)
    for row in tests.itertuples(index=False):
        print("  " + row.interpretation, file=sys.stderr)
    for path, frame in outputs:  # everything is computed before anything is written
        if path:
            print(write_csv(frame, path))


def _spread(args: argparse.Namespace) -> None:
    from diffusion.measures.innovativeness import region_profiles
    from diffusion.measures.spread import spread_metrics
    from diffusion.output import write_csv

    if not 0 < args.share <= 1:
        raise DiffusionError(f"--share must be in (0, 1]; got {args.share}.")
    ds = _dataset(args)
    metrics = spread_metrics(ds, k=args.k, share=args.share, bass_intervals=args.bass_intervals, seed=args.seed)
    regions = region_profiles(ds, args.level) if args.regions else None
    for line in ds.coverage_statements():
        print("coverage: " + line, file=sys.stderr)
    print(write_csv(metrics, args.out))
    if regions is not None:
        print(write_csv(regions, args.regions))


def _network(args: argparse.Namespace) -> None:
    from diffusion.network.centrality import centrality
    from diffusion.network.export import write_graph
    from diffusion.output import write_csv

    if not (args.export or args.centrality):
        raise DiffusionError("nothing to write: give --export PATH and/or --centrality PATH.csv.")
    ds = _dataset(args)
    net = build_network(ds, args.level, candidates=args.ties, same_batch=args.same_batch, k=args.k)
    print(
        f"network at level {net.level}: {len(net.period_numbers)} periods, {len(net.ties)} diffusion ties; "
        f"{net.excluded_events} adoption events without a time left out. {net.policy.describe()}",
        file=sys.stderr,
    )
    if args.export:  # everything is computed before anything is written
        graph = net.to_networkx(args.graph)
    if args.centrality:
        table = centrality(
            net, eigenvector=args.eigenvector, betweenness=args.betweenness, seed=args.seed, n_jobs=args.jobs
        )
        labels = net.nodes.set_index("node")[["label_en", "label_zh"]]
        table = table.join(labels, on="node")
    if args.export:
        print(write_graph(graph, args.export))
    if args.centrality:
        print(write_csv(table, args.centrality))


def _print_read_summary(ds: Dataset) -> None:
    enc = f", encoding {ds.input['encoding']}" if ds.input["encoding"] else ""
    print(
        f"read {ds.input['path']} ({ds.input['format']}{enc}): {ds.input['rows']} rows, "
        f"{ds.cases['case_id'].nunique()} cases, {len(ds.events)} adoption events",
        file=sys.stderr,
    )
    for line in ds.coverage_statements():
        print("  " + line, file=sys.stderr)
    if len(ds.warnings):
        print(f"{len(ds.warnings)} warning(s):", file=sys.stderr)
        print(ds.warnings.drop(columns="file").to_string(index=False), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
