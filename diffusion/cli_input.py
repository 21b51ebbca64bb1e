"""The command line's input side: the options that say how a user's case file is read, reading it,
and the summary, warnings and problems printed about it (with the flag behind each parameter named).
"""

from __future__ import annotations

import argparse
import re
import sys

from diffusion.cli_collector import resume_collector
from diffusion.data.resources import bundled_datasets

# Repeated from diffusion.data.calendar (which imports pandas); tests/test_layout.py checks that they agree.
TIME_UNITS = ("batch", "year", "month")
SHOWN = 50  # warnings printed on the terminal; --problems writes them all

__all__ = [
    "bundled",
    "dataset",
    "input_options",
    "network_options",
    "print_read_summary",
    "read",
    "source_options",
    "time_option",
    "with_flags",
    "write_problems",
]


def source_options(p: argparse.ArgumentParser, *, repeat: bool = False) -> None:
    """--data FILE or --dataset NAME."""
    src = p.add_mutually_exclusive_group()
    src.add_argument("--data", metavar="FILE", help="your case file (CSV, TSV, XLSX or JSON)")
    src.add_argument(
        "--dataset",
        metavar="NAME",
        action="append" if repeat else "store",
        choices=bundled_datasets(),
        help="a bundled dataset (repeatable); default: all of them" if repeat else "default: leading-cases",
    )


def input_options(p: argparse.ArgumentParser) -> None:
    """How to read the user's file: the parameters of :func:`diffusion.read_cases`."""
    p.add_argument("--geography", metavar="DIR", help="folder with units.csv and adjacency.csv (default: China)")
    p.add_argument(
        "--practices", dest="vocabulary", metavar="FILE", help="practice vocabulary CSV (tag_id, label_en, label_zh)"
    )
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
    p.add_argument(
        "--practice-separator", metavar="SEP", help="what separates practices in a cell, or none (default: ; 、 , / |)"
    )
    p.add_argument(
        "--layout",
        choices=["auto", "long", "wide"],
        default="auto",
        help="a row per case, or a wide table (default: auto)",
    )
    p.add_argument(
        "--problems", metavar="PATH.csv", help="write every problem (or, on success, every warning) as CSV for Excel"
    )
    p.add_argument(
        "--header-row", type=int, metavar="N", help="line of the column names (default: found among the first lines)"
    )
    time_option(p)
    network_options(p)
    p.add_argument(
        "--covariates",
        metavar="FILE",
        help="attributes of units: long (unit, year, variable, value) or wide (unit[, year], var1, var2...)",
    )
    p.add_argument(
        "--lang",
        choices=["en", "zh"],
        default="en",
        help="language of messages and problem tables (and of the report: headings, labels)",
    )


def time_option(p: argparse.ArgumentParser) -> None:
    """--time: the time unit of the periods."""
    p.add_argument(
        "--time",
        choices=TIME_UNITS,
        default="batch",
        help="periods: one per distinct date (batch), per calendar year, or per month (default: batch)",
    )


def network_options(p: argparse.ArgumentParser) -> None:
    """--network FILE and --directed: the user's influence network."""
    p.add_argument(
        "--network",
        metavar="FILE",
        help="influence network: source, target[, weight][, start][, end] (used instead of adjacency at its level)",
    )
    p.add_argument("--directed", action="store_true", help="the network's ties run from source to target only")


def with_flags(message: str, parser: argparse.ArgumentParser | None) -> str:
    """The message with the flag of each parameter it names in backticks: `level` -> `level` (--level).

    Library messages name Python parameters; on the command line the user needs the flag.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> _ = p.add_argument("--permutations", dest="n_permutations")
    >>> with_flags("The `n_permutations` parameter must be ...", p)
    'The `n_permutations` (--permutations) parameter must be ...'
    """
    actions = parser._actions if parser is not None else []
    flags = {a.dest: a.option_strings[0] for a in actions if a.option_strings and a.dest != "help"}
    return re.sub(r"`(\w+)`", lambda m: f"`{m[1]}` ({flags[m[1]]})" if m[1] in flags else m[0], message)


def read(args: argparse.Namespace, path: str):
    from diffusion.data.dataset import read_cases

    ds = read_cases(
        path,
        geography=args.geography,
        vocabulary=args.vocabulary,
        batches=args.batches,
        series=args.series,
        extend_vocabulary=args.extend_vocabulary,
        allow_unresolved=args.allow_unresolved,
        delimiter=args.delimiter,
        sheet=args.sheet,
        header_row=args.header_row,
        practice_separator=args.practice_separator,
        layout=args.layout,
        covariates=args.covariates,
        network=args.network,
        directed=args.directed,
        time=args.time,
    )
    print_read_summary(ds, args.subparser, args.lang)
    if args.problems:
        write_problems(ds.warnings, args.problems, args.lang)
    resume_collector()
    return ds


def write_problems(table, path: str, lang: str = "en") -> None:
    """The whole failure or warning table as CSV (UTF-8 with BOM, for Excel), in ``lang``."""
    from diffusion.i18n import translate_problems
    from diffusion.output import write_csv

    print(f"problems: {write_csv(translate_problems(table, lang), path)}", file=sys.stderr)


def dataset(args: argparse.Namespace):
    """The user's file (--data) or a bundled dataset (--dataset, default leading-cases)."""
    return read(args, args.data) if args.data else bundled(args, args.dataset or "leading-cases")


def bundled(args: argparse.Namespace, name: str):
    """A bundled dataset, with the user's covariates (--covariates) added."""
    from diffusion.data.dataset import load_dataset

    ds = load_dataset(name, time=getattr(args, "time", "batch"))
    if getattr(args, "covariates", None):
        ds = ds.with_covariates(args.covariates)
    if getattr(args, "network", None):
        ds = ds.with_network(args.network, directed=args.directed)
    resume_collector()
    return ds


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    r"""``text`` with control characters (ANSI escapes included) shown as ``\x1b``, not run by the terminal.

    Examples
    --------
    >>> printable("red \x1b[31mtext")
    'red \\x1b[31mtext'
    """
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def print_read_summary(ds, parser: argparse.ArgumentParser | None, lang: str = "en") -> None:
    from diffusion.data.calendar import describe_calendar
    from diffusion.i18n import problems_text, t, translate

    encoding = ds.input["encoding"]  # a technical name (UTF-8 with BOM, GBK), as the report's provenance shows it
    fmt = (
        t("{format}, encoding {encoding}", format=ds.input["format"], encoding=encoding)
        if encoding
        else ds.input["format"]
    )
    summary = t(
        "read {path} ({format}): {rows} rows, {cases} cases, {events} adoption events",
        path=ds.input["path"],
        format=fmt,
        rows=ds.input["rows"],
        cases=ds.cases["case_id"].nunique(),
        events=len(ds.events),
    )
    print(translate(summary, lang), file=sys.stderr)
    for line in ds.coverage_statements():
        print("  " + translate(line, lang), file=sys.stderr)
    if ds.calendar is not None:
        print("  " + translate(describe_calendar(ds.calendar), lang), file=sys.stderr)
    if len(ds.warnings):
        n = len(ds.warnings)
        print(f"{n} 条提示：" if lang == "zh" else f"{n} warning(s):", file=sys.stderr)
        shown = problems_text(ds.warnings.drop(columns="file").head(SHOWN), lang)
        print(printable(with_flags(shown, parser)), file=sys.stderr)
        if n > SHOWN:
            more = t("... and {n:,} more (all of them with --problems FILE.csv)", n=n - SHOWN)
            print(translate(more, lang), file=sys.stderr)
