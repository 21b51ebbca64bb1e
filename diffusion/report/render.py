"""The HTML report: one self-contained file per dataset (figures inline, no external resources).

The report is rendered with Jinja2 and autoescaping on, from tables computed beforehand; no
analysis happens inside the template. It is written to a temporary file and renamed, so an
error never leaves a half-written report. The same input gives byte-identical HTML.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import hashlib
import json
import platform
import re
from importlib import metadata
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from diffusion.checks import Seed, check_choice, resolve_seed
from diffusion.data.boundaries import Boundaries, read_boundaries
from diffusion.data.calendar import describe_calendar
from diffusion.data.dataset import Dataset
from diffusion.data.periods import calendar_of, period_groups
from diffusion.data.resources import data_dir
from diffusion.data.shared_tables import shared_tables
from diffusion.errors import DiffusionError
from diffusion.i18n import (
    bilingual,
    joined,
    level_name,
    messages,
    region_name,
    t,
    template_text,
    translate,
    translate_all,
    translate_problems,
)
from diffusion.limits import limit, raise_hint
from diffusion.measures.counts import counts_by_period_practice, counts_by_region
from diffusion.output import atomic_write_all, csv_bytes
from diffusion.report.figures import most_adopted, shown_of
from diffusion.report.labels import LABELS, column_heading
from diffusion.report.long_sections import SHOWN, long_sections
from diffusion.report.matrix_figures import adoption_heatmap
from diffusion.report.sections import plain_value, show, svg_figure, table
from diffusion.report.svg_export import prefixed_ids

__all__ = [
    "LABELS",
    "render_html",
    "render_report",
    "report_context",
    "report_filename",
    "result_document",
    "write_report",
]

#: Period columns of the adoption table and heatmap on the page; more periods are gathered by years.
MAX_PERIOD_COLUMNS = 24

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("diffusion.report", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)
_ENV.filters["show"] = show


def report_filename(ds: Dataset) -> str:
    """A safe file name for the dataset's report: letters of any script (Chinese names stay Chinese),
    digits, ``_ . -``; never a path (names from data never steer where files go).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> [report_filename(SimpleNamespace(name=n)) for n in ["乡村治理案例", "../x", "a b"]]
    ['乡村治理案例-report.html', 'x-report.html', 'a-b-report.html']
    """
    stem = re.sub(r"[^\w.-]+", "-", ds.name).strip("-.")[:100].strip("-.") or "dataset"
    return f"{stem}-report.html"


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("policy-diffusion", "pandas", "numpy", "matplotlib", "seaborn", "networkx", "Jinja2"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def render_report(
    ds: Dataset,
    *,
    command: str = "diffusion report",
    lang: str = "en",
    seed: Seed = 0,
    top_k: int = 5,
    hypotheses: list[dict] | None = None,
    timestamp: bool = False,
    boundaries: Boundaries | str | Path | None = None,
) -> str:
    """The report of a dataset as an HTML string (see :func:`report_context` for the parameters).

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> html = render_report(load_dataset("leading-cases"))
    >>> "26 of 123 cases placed in a batch" in html
    True
    """
    context = report_context(
        ds,
        command=command,
        lang=lang,
        seed=seed,
        top_k=top_k,
        hypotheses=hypotheses,
        timestamp=timestamp,
        boundaries=boundaries,
    )
    return render_html(context)


def render_html(context: dict) -> str:
    """Lay out a report context with the template (autoescaped); no analysis happens here."""
    lang = context["lang"]
    return _ENV.get_template("report.html.j2").render(
        **context,
        T=LABELS[lang],
        heading=lambda column: column_heading(column, lang),
        _=template_text(lang),
        embedded_csv=lambda t: embedded_csv(t, lang),
    )


def embedded_csv(t: dict, lang: str) -> str:
    """A table's complete CSV (its ``full`` form if it has one), gzipped and in base64, for its download button.

    Headings are in the report's language; cells are values, not display strings. The same table
    gives the same bytes (no time stamp in the gzip header).

    Examples
    --------
    >>> import base64, gzip
    >>> t = table(pd.DataFrame({"practice": ["=x", "b"], "adopters": [3, 4]}), shown=1)
    >>> print(gzip.decompress(base64.b64decode(embedded_csv(t, "zh"))).decode("utf-8-sig"), end="")
    "做法","采纳单位数"
    "'=x",3
    "b",4
    """
    full = t["full"] or t
    headings = [column_heading(c, lang) for c in full["columns"]]
    seen: dict[str, int] = {}
    for i, h in enumerate(headings):  # two columns may share a heading in one language ("做法")
        seen[h] = seen.get(h, 0) + 1
        headings[i] = h if seen[h] == 1 else f"{h} ({seen[h]})"
    frame = pd.DataFrame(full["rows"], columns=headings)
    return base64.b64encode(gzip.compress(csv_bytes(frame), mtime=0)).decode("ascii")


def result_document(context: dict) -> dict:
    """The JSON-serialisable result document: every table and number of the report, no figures."""

    def strip(value):
        if isinstance(value, Markup):
            return None
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if not isinstance(v, Markup)}
        if isinstance(value, list | tuple):
            return [strip(v) for v in value]
        return value

    return strip(context)


def _check_size(ds: Dataset) -> None:
    """Refuse, before any analysis, more practices than a report can show (each has its rows, tests, curves)."""
    n = ds.events["practice"].nunique()
    if n > (most := limit("report_practices")):
        raise DiffusionError(
            f"{n:,} practices, more than the {most:,} a report covers. Study them with `diffusion spread` and "
            f"`diffusion test`, report on a part of them (split the file by practice), or "
            f"{raise_hint('report_practices')}."
        )


@shared_tables()  # the tables its sections share serve the page's own too (the periods' labels)
def report_context(
    ds: Dataset,
    *,
    command: str = "diffusion report",
    lang: str = "en",
    seed: Seed = 0,
    top_k: int = 5,
    hypotheses: list[dict] | None = None,
    timestamp: bool = False,
    progress: bool | None = None,
    boundaries: Boundaries | str | Path | None = None,
) -> dict:
    """Everything the report shows, computed once: tables as lists, figures as inline SVG.

    Parameters
    ----------
    command : str
        The command that reproduces the report (printed in it).
    lang : {"en", "zh"}
        Language of headings and figure labels; place and practice names come from the data.
    seed : int, Generator or None
        Seed of every randomised step (permutations, bootstrap, layouts), resolved once to the int
        printed in the report (see :func:`diffusion.checks.resolve_seed`).
    top_k : int
        Rows of the top-k centrality tables.
    hypotheses : list of dict, optional
        Hypotheses to test (as read by :func:`diffusion.stats.registry.read_hypotheses`); default: a standard set.
    timestamp : bool
        Print the time the report was made (off by default, so that reports are byte-identical).
    progress : bool, optional
        A progress bar over the sections; by default on terminals when they run on every core
        (see :mod:`diffusion.report.long_sections`).
    boundaries : Boundaries, str or Path, optional
        Polygons of the geography's units (a GeoJSON file, read with
        :func:`diffusion.data.boundaries.read_boundaries`): the maps add choropleths.
    """
    check_choice("lang", lang, sorted(LABELS))
    _check_size(ds)
    if boundaries is not None and not isinstance(boundaries, Boundaries):
        boundaries = read_boundaries(boundaries, ds.geography)
    seed = resolve_seed(seed)
    geo = ds.geography
    counts = counts_by_period_practice(ds)
    groups = period_groups(ds, MAX_PERIOD_COLUMNS)
    gathered = len(groups) > groups["group"].nunique()  # many periods: the page shows decades or longer spans
    shown_counts = counts_by_period_practice(ds, groups) if gathered else counts
    regions = counts_by_region(ds)
    top = geo.levels[0]
    ev = ds.events
    reached = int(regions.shape[0])
    summary = {
        "cases": int(ds.cases["case_id"].nunique()),
        "units": int(ev["unit_id"].nunique()),
        "events": len(ev),
        "practices": int(ev["practice"].nunique()),
        "periods": int(ev["period"].nunique()),
        "reached": reached,
        "population": geo.population(top),
        "top_level": level_name(top),
        "levels": joined(
            *(
                t("{level}: {n}", level=level_name(lvl), n=n)
                for lvl, n in ev.drop_duplicates("unit_id")["unit_level"]
                .value_counts()
                .reindex([*geo.levels, *geo.sub_levels])
                .dropna()
                .astype(int)
                .items()
            ),
            sep=", ",
        ),
    }
    region_table = regions.rename(
        columns={
            "code": f"{top} code",
            "units": "adopting units",
            "events": "adoption events",
            "first_date": "first adoption",
        }
    )
    if "macro_region" in region_table:
        region_table["macro_region"] = messages(map(region_name, region_table["macro_region"]), region_table.index)
    counts_table = table(
        shown_counts.reset_index().rename(columns={"practice": "tag"}),
        full=counts.reset_index().rename(columns={"practice": "tag"}) if gathered else None,
    )
    drawn = most_adopted(shown_counts, shown_counts["total"])
    series = ds.series[["id", "label_en", "label_zh", "official_total", "official_total_note"]]
    batch_cov = ds.batch_coverage()[["series", "batch", "date", "official_count", "cases"]].rename(
        columns={"cases": "cases found"}
    )
    warning_rows = ds.warnings.drop(columns="file").assign(file=ds.input["path"]) if len(ds.warnings) else None
    if warning_rows is not None:
        warning_rows = translate_problems(warning_rows, lang)
    vocab = ds.vocabulary.table[ds.vocabulary.table["tag_id"].isin(ev["practice"])]
    context = {
        "title": bilingual(ds.title, str(ds.manifest.get("title_zh", ""))),
        "name": ds.name,
        "lang": lang,
        "summary": summary,
        "coverage": [translate(line, lang) for line in ds.coverage_statements()],
        "covariates": [translate(line, lang) for line in ds.covariates.statements()] if ds.covariates else [],
        "covariates_origin": _covariates_origin(ds, lang),
        "graphs": [translate(line, lang) for line in graph_statements(ds)],
        "time": translate(describe_calendar(calendar_of(ds)), lang),
        "series": table(series),
        "batch_coverage": table(batch_cov),
        "warnings": table(warning_rows) if warning_rows is not None else None,
        "network": None,  # the long sections follow, under a progress bar
        "seed": seed,
        "counts": counts_table,
        "figure": svg_figure(
            lambda ax: adoption_heatmap(drawn, ax=ax, lang=lang, xlabel=t("span of years") if gathered else None),
            (2.2 + 1.1 * (drawn.shape[1] - 3) + 2.5, 0.8 + 0.32 * drawn.shape[0]),
        ),
        "figure_alt": t(
            "Heatmap of adopting units for {practices} across {n} periods{spans}; darker cells mean more adopting "
            "units, white none{all}.",
            practices=shown_of(drawn, counts, t("practices")),
            n=len(groups),
            spans=t(", gathered into {k} spans of years", k=int(groups["group"].max())) if gathered else "",
            all=t(" (the table below lists every practice)") if len(drawn) < len(counts) else "",
        ),
        "regions": table(region_table),
        "top_level": level_name(top),
        "vocabulary": table(vocab[["tag_id", "label_en", "label_zh", "chen2023_category", "chen2023_keyword"]]),
        "promotion": table(ds.promotion_events.drop(columns=["notes"], errors="ignore"))
        if ds.promotion_events is not None
        else None,
        "sources": table(ds.sources[["source_id", "kind", "citation"]]) if ds.sources is not None else None,
        "input": ds.input,
        "geography": {
            "title": bilingual(geo.title, str(geo.meta.get("title_zh", ""))),
            "notes": geo.notes,
            "source": geo.name,
        },
        "manifest_note": ds.manifest.get("transcribed_from", ""),
        "versions": _versions(),
        "command": command,
        "generated": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC") if timestamp else None,
    }
    sections = long_sections(ds, lang, seed, top_k, hypotheses, progress=progress, boundaries=boundaries)
    for name in SHOWN:
        context[name] = sections[name]
    context["findings"] = key_findings(context)
    spread = context["spread"]  # the first screen's picture: how far the practices spread, else the counts
    context["lead"] = (
        {"figure": Markup(prefixed_ids(spread["curves"], "lead-")), "alt": spread["curves_alt"]}
        if spread
        else {"figure": Markup(prefixed_ids(context["figure"], "lead-")), "alt": context["figure_alt"]}
    )
    return translate_all(context, lang)  # every message in the report's language, in the HTML and the JSON


def _covariates_origin(ds: Dataset, lang: str) -> str:
    """Where the covariates come from (bundled files named from the data folder)."""
    if ds.covariates is None:
        return ""
    origin = ds.covariates.origin.replace(str(data_dir()), "data")
    return translate(t("Available to the analyses; from {origin}.", origin=origin), lang)


def graph_statements(ds: Dataset) -> list[str]:
    """Which ties the neighbour tests, exposure and "adjacent" ties use: the user's network, adjacency."""
    geo = ds.geography
    out: list[str] = []
    if ds.network is not None:
        out.append(t("{network}: used at that level.", network=ds.network.describe()))
    if not geo.adjacency.empty and (ds.network is None or ds.network.level != geo.neighbour_level):
        pairs = len(geo.neighbour_pairs()[1])
        out.append(
            t(
                "geographic adjacency: {n} pairs of neighbouring units at level {level}.",
                n=pairs,
                level=level_name(geo.neighbour_level),
            )
        )
    return out or [t("no ties between units: the tests that need neighbours are not run.")]


def key_findings(context: dict) -> list[str]:
    """A few plain-language findings drawn from the computed sections (the coverage line stands above them)."""
    out: list[str] = []
    spread = context.get("spread")
    if spread and spread["sentences"]:
        out.append(spread["sentences"][0])
    channels = context.get("channels")
    if channels:
        out += channels["sentences"][1:3]  # the top-down and horizontal routes, against chance
    tests = context.get("tests")
    if tests:  # each question in plain words, and its answer (the numbers are in the table of tests)
        questions = {card["test"]: card["question"] for card in tests["cards"]}
        rows = [dict(zip(tests["table"]["columns"], r)) for r in tests["table"]["rows"]]
        for row in rows:
            if row["test"] in ("neighbour", "gradient", "event-history") and row["p_value"] is not None:
                answer = (
                    t("Yes, beyond chance (p = {p:.2g}).", p=row["p_value"])
                    if row["p_value"] < 0.05
                    else t("No clear sign beyond chance (p = {p:.2g}).", p=row["p_value"])
                )
                out.append(joined(questions[row["test"]], answer))
    pilots = context.get("pilots")
    if pilots:
        out.append(pilots["verdict"])
    network = context.get("network")
    if network and network["top"]:
        last = network["top"]["rows"][-network["top_k"] :] if network["top"]["rows"] else []
        if last:
            region = dict(zip(network["top"]["columns"], last[0]))
            out.append(
                t(
                    "In the diffusion network, {region} leads by the end ({period}): its earlier adoptions could "
                    "account for {strength} later adoptions, and it reaches {reach} regions through chains of later "
                    "adopters.",
                    region=region["region"],
                    period=region["period"],
                    strength=round(region["out-strength"], 3),
                    reach=region["reachability"],
                )
            )
    compare = context.get("compare")
    if compare and compare["paragraphs"]:
        out.append(compare["paragraphs"][0])
    return out


def write_report(
    ds: Dataset,
    out_dir: str | Path = "reports",
    *,
    command: str = "diffusion report",
    lang: str = "en",
    seed: Seed = 0,
    hypotheses: list[dict] | None = None,
    timestamp: bool = False,
    progress: bool | None = None,
    boundaries: Boundaries | str | Path | None = None,
) -> Path:
    """Write the HTML report and its JSON result document (same name, ``.json``) into ``out_dir``.

    Both are computed before either is written, then written to temporary files and published
    together; the JSON holds the HTML's SHA-256 (``html_sha256``), which ties the pair. Returns the
    HTML file's path.
    """
    out_dir = Path(out_dir)
    context = report_context(
        ds,
        command=command,
        lang=lang,
        seed=seed,
        hypotheses=hypotheses,
        timestamp=timestamp,
        progress=progress,
        boundaries=boundaries,
    )
    html = render_html(context)
    doc = result_document(context) | {"html_sha256": hashlib.sha256(html.encode("utf-8")).hexdigest()}
    document = json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True, default=plain_value)
    target = out_dir / report_filename(ds)
    atomic_write_all(  # both published together: never a new HTML beside an old JSON
        {
            target: lambda tmp: tmp.write_text(html, encoding="utf-8", newline="\n"),
            target.with_suffix(".json"): lambda tmp: tmp.write_text(document + "\n", encoding="utf-8"),
        }
    )
    return target
