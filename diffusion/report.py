"""The HTML report: one self-contained file per dataset (figures inline, no external resources).

The report is rendered with Jinja2 and autoescaping on, from tables computed beforehand; no
analysis happens inside the template. It is written to a temporary file and renamed, so an
error never leaves a half-written report. The same input gives byte-identical HTML.
"""

from __future__ import annotations

import datetime
import json
import platform
import re
import sys
from importlib import metadata
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup
from tqdm.auto import tqdm

from diffusion.dataset import Dataset
from diffusion.export import atomic_write
from diffusion.figures import adoption_heatmap, most_adopted, shown_of
from diffusion.sections import compare_section, network_section, spread_section, svg_figure, table, tests_section
from diffusion.summary import counts_by_period_practice, counts_by_region

__all__ = [
    "LABELS",
    "render_html",
    "render_report",
    "report_context",
    "report_filename",
    "result_document",
    "write_report",
]

#: Headings and fixed labels of the report in each language; names come from the data.
LABELS = {
    "en": {
        "report": "Policy-diffusion report",
        "findings": "Key findings",
        "dataset": "dataset",
        "geography": "geography",
        "summary": "Dataset summary",
        "coverage": "Data and coverage",
        "adoption": "Adoption by period and practice",
        "by": "Adoption by",
        "spread": "Spread of each practice",
        "network": "Diffusion network",
        "tests": "Hypothesis tests",
        "compare": "Regional comparison",
        "practices": "Practices",
        "provenance": "Provenance and reproducibility",
        "warnings": "Validation warnings",
        "cards": "Method cards",
        "download": "Download CSV",
        "sort": "Click a column heading to sort",
    },
    "zh": {
        "report": "政策扩散分析报告",
        "findings": "主要发现",
        "dataset": "数据集",
        "geography": "地理",
        "summary": "数据概况",
        "coverage": "数据与覆盖范围",
        "adoption": "分批次、分做法的采纳情况",
        "by": "各地区采纳情况：",
        "spread": "各做法的扩散",
        "network": "扩散网络",
        "tests": "假设检验",
        "compare": "地区比较",
        "practices": "做法",
        "provenance": "来源与可重复性",
        "warnings": "数据校验提示",
        "cards": "方法说明",
        "download": "下载 CSV",
        "sort": "点击列标题排序",
    },
}

#: Column headings of the tables in Chinese (English headings are the column names themselves).
COLUMNS_ZH = {
    "95% lower": "95%下限",
    "95% upper": "95%上限",
    "Bass model": "Bass模型",
    "adopters": "采纳单位数",
    "adopting units": "采纳单位数",
    "adoption events": "采纳事件数",
    "batch": "批次",
    "cases found": "已收录案例",
    "chen2023_category": "Chen (2023) 类型",
    "chen2023_keyword": "Chen (2023) 关键词",
    "citation": "引用",
    "column": "列",
    "counties (denominator)": "区县数（分母）",
    "prefectures (denominator)": "地市数（分母）",
    "date": "日期",
    "date_precision": "日期精度",
    "effect": "效应量",
    "expected": "应为",
    "file": "文件",
    "first adoption": "首次采纳",
    "fix": "修改建议",
    "group": "组别",
    "id": "编号",
    "in-strength": "入强度",
    "interpretation": "解读",
    "issuer": "发布机关",
    "kind": "类别",
    "label_en": "英文名称",
    "label_zh": "中文名称",
    "macro_region": "四大区域",
    "measure": "指标",
    "name_en": "英文名",
    "name_zh": "中文名",
    "null model": "零模型",
    "null_model": "零模型",
    "official_count": "官方数量",
    "official_total": "官方总数",
    "official_total_note": "官方总数说明",
    "origin": "起源批次",
    "origin units": "起源单位",
    "out-strength": "出强度",
    "p_value": "p值",
    "pagerank": "PageRank",
    "period": "时期",
    "periods to all macro-regions": "覆盖四大区域所需时期",
    "practice": "做法",
    "practices": "做法数",
    "problem": "问题",
    "province code": "省份代码",
    "provinces reached": "覆盖省份数",
    "q_value": "q值",
    "rank": "排名",
    "reachability": "可达性",
    "region": "地区",
    "region (en)": "地区（英文）",
    "row": "行",
    "scale-up ratio": "推广倍数",
    "series": "系列",
    "share of provinces": "省份覆盖率",
    "source_id": "来源编号",
    "sources": "来源",
    "statistic": "统计量",
    "tag": "标签",
    "tag_id": "标签",
    "test": "检验",
    "time unknown": "时间不详",
    "title": "标题",
    "title_en": "英文标题",
    "total": "合计",
    "value": "数值",
}

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
    timestamp: bool = False,
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
        ds, command=command, lang=lang, seed=seed, top_k=top_k, hypotheses=hypotheses, timestamp=timestamp
    )
    return render_html(context)


def render_html(context: dict) -> str:
    """Lay out a report context with the template (autoescaped); no analysis happens here."""
    columns = COLUMNS_ZH if context["lang"] == "zh" else {}
    return _ENV.get_template("report.html.j2").render(**context, T=LABELS[context["lang"]], COLS=columns)


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


def report_context(
    ds: Dataset,
    *,
    command: str = "diffusion report",
    lang: str = "en",
    seed: int = 0,
    top_k: int = 5,
    hypotheses: list[dict] | None = None,
    timestamp: bool = False,
    progress: bool | None = None,
) -> dict:
    """Everything the report shows, computed once: tables as lists, figures as inline SVG.

    Parameters
    ----------
    command : str
        The command that reproduces the report (printed in it).
    lang : {"en", "zh"}
        Language of headings and figure labels; place and practice names come from the data.
    seed : int
        Seed of every randomised step (permutations, bootstrap, layouts).
    top_k : int
        Rows of the top-k centrality tables.
    hypotheses : list of dict, optional
        Hypotheses to test (as read by :func:`diffusion.testing.read_hypotheses`); default: a standard set.
    timestamp : bool
        Print the time the report was made (off by default, so that reports are byte-identical).
    progress : bool, optional
        A progress bar over the sections; by default on terminals for files of over 20,000 events.
    """
    if lang not in LABELS:
        raise ValueError(f"The value for `lang` must be one of {sorted(LABELS)}, but {lang!r} was passed.")
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
    drawn = most_adopted(counts, counts["total"])
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
        "network": None,  # the long sections follow, under a progress bar
        "seed": seed,
        "counts": table(counts_table),
        "figure": svg_figure(
            lambda ax: adoption_heatmap(drawn, ax=ax, lang=lang),
            (2.2 + 1.1 * (drawn.shape[1] - 3) + 2.5, 0.8 + 0.32 * drawn.shape[0]),
        ),
        "figure_alt": (
            f"Heatmap of adopting units for {shown_of(drawn, counts, 'practices')} across "
            f"{counts.shape[1] - 3} periods; darker cells mean more adopting units"
            + (" (the table below lists every practice)." if len(drawn) < len(counts) else ".")
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
        "generated": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC") if timestamp else None,
    }
    sections = {
        "network": lambda: network_section(ds, lang, seed, top_k),
        "spread": lambda: spread_section(ds, lang),
        "tests": lambda: tests_section(ds, hypotheses, seed),
        "compare": lambda: compare_section(ds, lang, seed),
    }
    show = (len(ds.events) > 20_000 and sys.stderr.isatty()) if progress is None else progress
    with tqdm(sections.items(), disable=not show, desc="report", unit="section", leave=False) as bar:
        for name, make in bar:
            bar.set_postfix_str(name)
            context[name] = make()
    context["findings"] = key_findings(context)
    return context


def key_findings(context: dict) -> list[str]:
    """A few plain-language findings drawn from the computed sections (coverage first)."""
    out = [context["coverage"][0]] if context["coverage"] else []
    spread = context.get("spread")
    if spread and spread["sentences"]:
        out.append(spread["sentences"][0])
    tests = context.get("tests")
    if tests:
        rows = [dict(zip(tests["table"]["columns"], r)) for r in tests["table"]["rows"]]
        for row in rows:
            if row["test"] in ("neighbour", "gradient", "event-history") and row["statistic"] != "not tested":
                out.append(row["interpretation"])
    network = context.get("network")
    if network and network["top"]:
        last = network["top"]["rows"][-network["top_k"] :] if network["top"]["rows"] else []
        if last:
            region = dict(zip(network["top"]["columns"], last[0]))
            out.append(
                f"In the diffusion network, {region['region']} leads by the end ({region['period']}): its "
                f"earlier adoptions could account for {region['out-strength']} later adoptions, and it reaches "
                f"{region['reachability']} regions through chains of later adopters."
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
    seed: int = 0,
    hypotheses: list[dict] | None = None,
    timestamp: bool = False,
    progress: bool | None = None,
) -> Path:
    """Write the HTML report and its JSON result document (same name, ``.json``) into ``out_dir``.

    Both are computed before either is written, and each is written atomically. Returns the
    HTML file's path.
    """
    out_dir = Path(out_dir)
    context = report_context(
        ds, command=command, lang=lang, seed=seed, hypotheses=hypotheses, timestamp=timestamp, progress=progress
    )
    html = render_html(context)
    document = json.dumps(result_document(context), ensure_ascii=False, indent=1, sort_keys=True, default=_plain)
    target = out_dir / report_filename(ds)
    atomic_write(target, lambda tmp: tmp.write_text(html, encoding="utf-8", newline="\n"))
    atomic_write(target.with_suffix(".json"), lambda tmp: tmp.write_text(document + "\n", encoding="utf-8"))
    return target


def _plain(value):
    """JSON for numpy and pandas scalars; NaN and missing values become null."""
    if isinstance(value, np.generic):
        value = value.item()
    if (isinstance(value, float) and not np.isfinite(value)) or value is pd.NA or value is None:
        return None
    return value if isinstance(value, int | float | str | bool) else str(value)
