"""The HTML report: one self-contained file per dataset (figures inline, no external resources).

The report is rendered with Jinja2 and autoescaping on, from tables computed beforehand; no
analysis happens inside the template. It is written to a temporary file and renamed, so an
error never leaves a half-written report. The same input gives byte-identical HTML.
"""

from __future__ import annotations

import os
import platform
import re
import tempfile
import warnings
from importlib import metadata
from pathlib import Path

import jinja2
import matplotlib.pyplot as plt
import pandas as pd
from markupsafe import Markup

from diffusion.dataset import Dataset
from diffusion.figures import SVG_RC, adoption_heatmap, to_svg
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


def _table(df: pd.DataFrame, *, index: bool = False) -> dict:
    """A table as plain lists for the template (cells are escaped there)."""
    df = df.reset_index() if index else df
    cells = df.astype(object).where(df.notna(), "")
    return {"columns": [str(c) for c in df.columns], "rows": cells.astype(str).values.tolist()}


def _figure(counts: pd.DataFrame, lang: str) -> str:
    # Text stays text in the SVG and the browser renders it; matplotlib's own fonts may lack
    # CJK glyphs, which only affects its size estimates, so those warnings are noise here.
    with plt.rc_context(SVG_RC), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        n_rows, n_cols = counts.shape[0], counts.shape[1] - 3
        fig, ax = plt.subplots(figsize=(2.2 + 1.1 * n_cols + 2.5, 0.8 + 0.32 * n_rows))
        adoption_heatmap(counts, ax=ax, lang=lang)
        return to_svg(fig)


def render_report(ds: Dataset, *, command: str = "diffusion report", lang: str = "en") -> str:
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
    warnings = ds.warnings.drop(columns="file").assign(file=ds.input["path"]) if len(ds.warnings) else ds.warnings
    vocab = ds.vocabulary.table[ds.vocabulary.table["tag_id"].isin(ev["practice"])]
    context = {
        "title": ds.title,
        "name": ds.name,
        "lang": lang,
        "summary": summary,
        "coverage": ds.coverage_statements(),
        "series": _table(series),
        "batch_coverage": _table(batch_cov),
        "warnings": _table(warnings) if len(warnings) else None,
        "counts": _table(counts_table),
        "figure": Markup(_figure(counts, lang)),
        "figure_alt": (
            f"Heatmap of adopting units for {len(counts)} practices across "
            f"{counts.shape[1] - 3} periods; darker cells mean more adopting units."
        ),
        "regions": _table(region_table),
        "top_level": top,
        "vocabulary": _table(vocab[["tag_id", "label_en", "label_zh", "chen2023_category", "chen2023_keyword"]]),
        "promotion": _table(ds.promotion_events.drop(columns=["notes"], errors="ignore"))
        if ds.promotion_events is not None
        else None,
        "sources": _table(ds.sources[["source_id", "kind", "citation"]]) if ds.sources is not None else None,
        "input": ds.input,
        "geography": {"title": geo.title, "notes": geo.notes, "source": geo.name},
        "manifest_note": ds.manifest.get("transcribed_from", ""),
        "versions": _versions(),
        "command": command,
    }
    return _ENV.get_template("report.html.j2").render(**context)


def write_report(
    ds: Dataset, out_dir: str | Path = "reports", *, command: str = "diffusion report", lang: str = "en"
) -> Path:
    """Render the report and write it atomically into ``out_dir``; returns its path."""
    out_dir = Path(out_dir)
    html = render_report(ds, command=command, lang=lang)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / report_filename(ds)
    fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=".tmp-", suffix=".html")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(html)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; a report is meant to be shared
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
