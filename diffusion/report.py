"""The HTML report: one self-contained file per dataset (figures inline, no external resources).

The report is rendered with Jinja2 and autoescaping on, from tables computed beforehand; no
analysis happens inside the template. It is written to a temporary file and renamed, so an
error never leaves a half-written report. The same input gives byte-identical HTML.
"""

from __future__ import annotations

import platform
import re
from importlib import metadata
from pathlib import Path

import jinja2

from diffusion.dataset import Dataset
from diffusion.export import atomic_write
from diffusion.figures import adoption_heatmap
from diffusion.sections import compare_section, network_section, spread_section, svg_figure, table, tests_section
from diffusion.summary import counts_by_period_practice, counts_by_region

__all__ = ["render_report", "report_filename", "write_report"]

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("diffusion", "templates"),
    autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
)


def report_filename(ds: Dataset) -> str:
    """A safe file name for the dataset's report (names from data never steer the path)."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", ds.name).strip("-.") or "dataset"
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
    seed: int = 0,
    top_k: int = 5,
    hypotheses: list[dict] | None = None,
) -> str:
    """The report of a dataset as an HTML string.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> html = render_report(load_dataset("leading-cases"))
    >>> "23 of 123 cases placed in a batch" in html
    True
    """
    geo = ds.geography
    counts = counts_by_period_practice(ds)
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
        "reached": f"{reached} of {geo.population(top)} units at {top} level",
        "levels": ", ".join(
            f"{lvl}: {n}"
            for lvl, n in ev.drop_duplicates("unit_id")["unit_level"]
            .value_counts()
            .reindex([*geo.levels, *geo.sub_levels])
            .dropna()
            .astype(int)
            .items()
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
    counts_table = counts.reset_index().rename(columns={"practice": "tag"})
    series = ds.series[["id", "label_en", "label_zh", "official_total", "official_total_note"]]
    batch_cov = ds.batch_coverage()[["series", "batch", "date", "official_count", "cases"]].rename(
        columns={"cases": "cases found"}
    )
    warning_rows = ds.warnings.drop(columns="file").assign(file=ds.input["path"]) if len(ds.warnings) else None
    vocab = ds.vocabulary.table[ds.vocabulary.table["tag_id"].isin(ev["practice"])]
    context = {
        "title": ds.title,
        "name": ds.name,
        "lang": lang,
        "summary": summary,
        "coverage": ds.coverage_statements(),
        "series": table(series),
        "batch_coverage": table(batch_cov),
        "warnings": table(warning_rows) if warning_rows is not None else None,
        "network": network_section(ds, lang, seed, top_k),
        "seed": seed,
        "counts": table(counts_table),
        "figure": svg_figure(
            lambda ax: adoption_heatmap(counts, ax=ax, lang=lang),
            (2.2 + 1.1 * (counts.shape[1] - 3) + 2.5, 0.8 + 0.32 * counts.shape[0]),
        ),
        "spread": spread_section(ds, lang),
        "tests": tests_section(ds, hypotheses, seed),
        "compare": compare_section(ds, lang, seed),
        "figure_alt": (
            f"Heatmap of adopting units for {len(counts)} practices across "
            f"{counts.shape[1] - 3} periods; darker cells mean more adopting units."
        ),
        "regions": table(region_table),
        "top_level": top,
        "vocabulary": table(vocab[["tag_id", "label_en", "label_zh", "chen2023_category", "chen2023_keyword"]]),
        "promotion": table(ds.promotion_events.drop(columns=["notes"], errors="ignore"))
        if ds.promotion_events is not None
        else None,
        "sources": table(ds.sources[["source_id", "kind", "citation"]]) if ds.sources is not None else None,
        "input": ds.input,
        "geography": {"title": geo.title, "notes": geo.notes, "source": geo.name},
        "manifest_note": ds.manifest.get("transcribed_from", ""),
        "versions": _versions(),
        "command": command,
    }
    return _ENV.get_template("report.html.j2").render(**context)


def write_report(
    ds: Dataset,
    out_dir: str | Path = "reports",
    *,
    command: str = "diffusion report",
    lang: str = "en",
    seed: int = 0,
    hypotheses: list[dict] | None = None,
) -> Path:
    """Render the report and write it atomically into ``out_dir``; returns its path."""
    out_dir = Path(out_dir)
    html = render_report(ds, command=command, lang=lang, seed=seed, hypotheses=hypotheses)
    target = out_dir / report_filename(ds)
    atomic_write(target, lambda tmp: tmp.write_text(html, encoding="utf-8", newline="\n"))
    return target
