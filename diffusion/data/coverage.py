"""Coverage in plain language: how many cases of each series were found, placed in a batch, dated."""

from __future__ import annotations

import pandas as pd

from diffusion.i18n import bilingual, messages, t

__all__ = ["coverage_statements"]


def _group_statements(series_id: str, batch_coverage: pd.DataFrame, series: pd.DataFrame) -> list[str]:
    """Coverage of batches whose official count is known only together (batches 2 + 3 = 72)."""
    meta = series.set_index("id")
    groups = meta.at[series_id, "batch_groups"] if "batch_groups" in meta.columns else None
    if not isinstance(groups, list):
        return []
    cov = batch_coverage[batch_coverage["series"] == series_id]
    out: list[str] = []
    for g in groups:
        n = int(cov.loc[cov["batch"].isin(g["batches"]), "cases"].sum())
        *rest, last = [str(b) for b in g["batches"]]
        names = t("{first} and {last}", first=", ".join(rest), last=last) if rest else last
        out.append(
            t("Batches {names} together: {n} of {total} cases found.", names=names, n=n, total=g["official_count"])
        )
    return out


def coverage_statements(
    coverage: pd.DataFrame, batch_coverage: pd.DataFrame, series: pd.DataFrame, events: pd.DataFrame
) -> list[str]:
    """Plain-language coverage lines from :meth:`Dataset.coverage` and :meth:`Dataset.batch_coverage`.

    A series without batches is described by its dates: "all 40 cases dated (by year or
    date; no batches)"; batches known only together by their joint count.
    """
    out: list[str] = []
    chinese = dict(zip(series["id"], series["label_zh"])) if "label_zh" in series else {}
    labels = [bilingual(label, chinese.get(s, "")) for s, label in zip(coverage["series"], coverage["label"])]
    coverage = coverage.assign(label=messages(labels, coverage.index))
    for r in coverage.itertuples(index=False):
        if not (r.official_total or r.placed_in_batch):
            out.append(_dated_statement(r))
            continue
        if r.official_total:
            line = t(
                "{series}: {n} of {total} cases placed in a batch",
                series=r.label,
                n=r.placed_in_batch,
                total=r.official_total,
            )
        else:
            line = t(
                "{series}: {n} cases placed in a batch (official total not given)",
                series=r.label,
                n=r.placed_in_batch,
            )
        if r.without_batch and r.without_batch_undated == r.without_batch:
            extra = t(
                "{cases} cases in the file, {n} without a known batch (kept, left out of timing)",
                cases=r.cases,
                n=r.without_batch,
            )
        elif r.without_batch and r.without_batch_undated:
            extra = t(
                "{cases} cases in the file, {n} without a known batch ({dated} of them dated by year or date; "
                "{undated} left out of timing)",
                cases=r.cases,
                n=r.without_batch,
                dated=r.without_batch - r.without_batch_undated,
                undated=r.without_batch_undated,
            )
        elif r.without_batch:
            extra = t(
                "{cases} cases in the file, {n} without a known batch ({dated} of them dated by year or date)",
                cases=r.cases,
                n=r.without_batch,
                dated=r.without_batch,
            )
        else:
            extra = t("{cases} cases in the file", cases=r.cases)
        out.append(t("{line} ({extra}).", line=line, extra=extra))
        out.extend(_group_statements(r.series, batch_coverage, series))
    n_unknown = int((~events["time_known"]).sum())
    if n_unknown:
        out.append(t("{n} of {total} adoption events have no known time.", n=n_unknown, total=len(events)))
    return out


def _dated_statement(r) -> str:
    """Coverage of a series without batches, by its dates."""
    undated = r.cases - r.dated
    if r.dated == r.cases:
        return t("{series}: all {cases} cases dated (by year or date; no batches).", series=r.label, cases=r.cases)
    if undated:
        return t(
            "{series}: {dated} of {cases} cases dated (by year or date; no batches) "
            "({undated} without a time: kept, left out of timing).",
            series=r.label,
            dated=r.dated,
            cases=r.cases,
            undated=undated,
        )
    return t(
        "{series}: {dated} of {cases} cases dated (by year or date; no batches).",
        series=r.label,
        dated=r.dated,
        cases=r.cases,
    )
