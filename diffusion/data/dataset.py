"""Datasets: validated cases and adoption events with their geography, vocabulary and coverage.

A bundled dataset is a folder in ``data/`` with a ``dataset.json`` manifest; a user's file is
read with :func:`read_cases`. Both go through the same validation.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import pandas as pd

from diffusion.data.calendar import TimeUnit
from diffusion.data.cases import parse_cases
from diffusion.data.covariate_file import read_covariates
from diffusion.data.covariates import Covariates
from diffusion.data.coverage import coverage_statements
from diffusion.data.geography import Geography, load_geography
from diffusion.data.influence import InfluenceNetwork, Ties, influence_ties, read_network
from diffusion.data.io import read_table
from diffusion.data.resources import bundled_datasets, data_dir
from diffusion.data.schema import parse_batch, parse_date
from diffusion.data.vocabulary import Vocabulary
from diffusion.display import Card, Summarised
from diffusion.errors import InputFileError, ValidationError, problem
from diffusion.i18n import t

__all__ = ["Dataset", "bundled_datasets", "default_vocabulary", "load_dataset", "read_cases"]


@dataclass(frozen=True, eq=False, repr=False)
class Dataset(Summarised):
    """Cases, adoption events and everything needed to interpret them.

    Attributes
    ----------
    cases : DataFrame
        One row per case and unit (validated, codes resolved).
    events : DataFrame
        One row per (unit, practice, time): the adoption events. ``period`` orders time
        (1 = earliest); rows with ``time_known`` False are kept for coverage but left out of
        temporal analysis.
    series : DataFrame
        One row per series (``id, label_en, label_zh, official_total, official_total_note``).
    batches : DataFrame
        Known batches (``series, batch, date, official_count``), possibly with no cases yet.
    warnings : DataFrame
        Non-fatal problems found while reading (same columns as validation failures).
    input : dict
        How the input was read: path, format, encoding, delimiter, sha256.
    covariates : Covariates or None
        Attributes of units: those of the geography (China: GDP, census population) with the
        user's added (:meth:`with_covariates`, ``read_cases(covariates=...)``).
    calendar : DataFrame
        One row per period: ``period``, ``date``, ``start``, ``end``, ``length`` (years) and the time
        unit in column ``time`` (see :func:`diffusion.data.calendar.build_calendar`).
    network : InfluenceNetwork or None
        The user's influence network (:meth:`with_network`), used instead of the geography's
        adjacency at its level (:meth:`influence_ties`).

    Examples
    --------
    >>> ds = load_dataset("leading-cases")
    >>> ds.coverage_statements()[0]  # doctest: +ELLIPSIS
    'National Rural Governance Leading Cases: 26 of 123 cases placed in a batch...'
    """

    name: str
    title: str
    cases: pd.DataFrame
    events: pd.DataFrame
    geography: Geography
    vocabulary: Vocabulary
    series: pd.DataFrame
    batches: pd.DataFrame
    warnings: pd.DataFrame
    input: dict
    promotion_events: pd.DataFrame | None = None
    sources: pd.DataFrame | None = None
    manifest: dict = field(default_factory=dict)
    calendar: pd.DataFrame | None = None
    user_covariates: Covariates | None = None
    network: InfluenceNetwork | None = None

    def card(self) -> Card:
        """Its summary (``repr`` and a notebook's display): counts, time span, coverage."""
        ev, timed = self.events, self.events[self.events["time_known"]]
        span = f"{timed['date'].min()} to {timed['date'].max()}" if len(timed) else "no known time"
        facts: tuple[tuple[str, object], ...] = (("title", self.title), ("cases", self.cases["case_id"].nunique()))
        facts += (("adoption events", len(ev)),)
        facts += (("practices", ev["practice"].nunique()), ("units", ev["unit_id"].nunique()))
        facts += (("periods", f"{timed['period'].nunique()} ({span})"), ("geography", self.geography.name))
        warned = [f"warnings while reading: {len(self.warnings)} (see .warnings)"] if len(self.warnings) else []
        return Card(f"Dataset {self.name!r}", facts, (*self.coverage_statements(), *warned))

    @cached_property
    def covariates(self) -> Covariates | None:
        """The geography's covariates with the user's added (a variable in both: the user's)."""
        bundled = self.geography.covariates
        if self.user_covariates is None or bundled is None:
            return self.user_covariates or bundled
        return bundled.combined(self.user_covariates)

    def with_covariates(
        self, covariates: Covariates | str | Path, *, sheet: str | int | None = None, delimiter: str | None = None
    ) -> Dataset:
        """This dataset with the covariates of a file (or object) added to the geography's.

        Examples
        --------
        >>> ds = load_dataset("leading-cases").with_covariates("my_covariates.csv")  # doctest: +SKIP
        """
        if not isinstance(covariates, Covariates):
            covariates = read_covariates(covariates, self.geography, sheet=sheet, delimiter=delimiter)
        return replace(self, user_covariates=covariates)

    def with_network(
        self,
        network: InfluenceNetwork | str | Path,
        *,
        directed: bool = False,
        sheet: str | int | None = None,
        delimiter: str | None = None,
    ) -> Dataset:
        """This dataset with an influence network of the user's (an edge list; see :func:`read_network`).

        Examples
        --------
        >>> ds = load_dataset("leading-cases").with_network("pairs.csv", directed=True)  # doctest: +SKIP
        """
        if not isinstance(network, InfluenceNetwork):
            network = read_network(network, self.geography, directed=directed, sheet=sheet, delimiter=delimiter)
        return replace(self, network=network)

    def influence_ties(self, level: str) -> Ties | None:
        """Who may learn from whom at ``level``: the user's network there, else the geography's adjacency.

        None where neither gives ties at that level. ``Ties.graph`` names the graph used.
        """
        return influence_ties(self.geography, self.network, level)

    def coverage(self) -> pd.DataFrame:
        """Per series: cases found, cases placed in a batch, cases with a time, and the official totals."""
        rows = []
        for s in self.series.itertuples(index=False):
            c = self.cases[self.cases["series"] == s.id].drop_duplicates("case_id")
            placed = int(c["batch"].notna().sum())
            undated = c["date"] == ""
            rows.append(
                {
                    "series": s.id,
                    "label": s.label_en,
                    "cases": len(c),
                    "placed_in_batch": placed,
                    "without_batch": len(c) - placed,
                    "dated": int((~undated).sum()),
                    "without_batch_undated": int((undated & c["batch"].isna()).sum()),
                    "official_total": s.official_total,
                    "share_placed": placed / s.official_total if s.official_total else float("nan"),
                    "units": int(self.cases.loc[self.cases["series"] == s.id, "unit_id"].nunique()),
                }
            )
        return pd.DataFrame(rows)

    def batch_coverage(self) -> pd.DataFrame:
        """Per series and batch: cases found against the official count where known."""
        c = self.cases.drop_duplicates("case_id")
        found = c.dropna(subset=["batch"]).groupby(["series", "batch"]).size().rename("cases")
        b = self.batches.copy()
        b["batch"] = b["batch"].astype(int)
        out = b.merge(found.reset_index(), on=["series", "batch"], how="outer")
        out["cases"] = out["cases"].fillna(0).astype(int)
        return out.sort_values(["series", "batch"]).reset_index(drop=True)

    def coverage_statements(self) -> list[str]:
        """Plain-language coverage lines, e.g. "26 of 123 cases placed in a batch".

        A series without batches is described by its dates: "all 40 cases dated (by year or
        date; no batches)". See :func:`diffusion.data.coverage.coverage_statements`.
        """
        return coverage_statements(self.coverage(), self.batch_coverage(), self.series, self.events)


@functools.cache
def default_vocabulary() -> Vocabulary:
    """The union of the bundled practice vocabularies (rural governance and city pilots)."""
    tables = [
        pd.read_csv(data_dir() / name / "practices.csv", dtype=str, keep_default_na=False)
        for name in bundled_datasets()
    ]
    return Vocabulary(pd.concat(tables).drop_duplicates("tag_id"))


@functools.cache
def _bundled_series() -> tuple[list[dict], pd.DataFrame]:
    """Series metadata and batches of every bundled dataset, so that a user's complete file of a
    known series (e.g. all 123 leading cases) is dated and its coverage stated without options."""
    metas, batches = [], []
    for name in bundled_datasets():
        folder = data_dir() / name
        manifest = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
        metas.extend(manifest["series"])
        batches.append(pd.read_csv(folder / manifest["files"]["batches"], dtype=str, keep_default_na=False))
    return metas, pd.concat(batches, ignore_index=True)


def load_dataset(name: str, *, time: TimeUnit = "batch") -> Dataset:
    """Load a bundled dataset by name (see :func:`bundled_datasets`), with periods in ``time`` units.

    Examples
    --------
    >>> ds = load_dataset("broadband-china")
    >>> sorted(ds.events["practice"].unique())
    ['broadband_china', 'ip_demonstration_city']
    """
    if name not in bundled_datasets():
        raise InputFileError(f"unknown dataset {name!r}; the bundled datasets are {bundled_datasets()}.")
    folder = data_dir() / name
    manifest = json.loads((folder / "dataset.json").read_text(encoding="utf-8"))
    files = manifest["files"]

    def table(key: str) -> pd.DataFrame | None:
        path = folder / files[key] if key in files else None
        return pd.read_csv(path, dtype=str, keep_default_na=False) if path else None

    vocabulary = Vocabulary(table("practices"))
    return _build(
        read_table(folder / files["cases"]),
        load_geography(manifest["geography"]),
        vocabulary,
        name=name,
        title=manifest["title_en"],
        series_meta=manifest["series"],
        batches=table("batches"),
        promotion_events=table("promotion_events"),
        sources=table("sources"),
        manifest=manifest,
        allow_unresolved=manifest.get("allow_unresolved", False),
        input_path=f"bundled:{name}",
        time=time,
    )


def read_cases(
    path: str | Path,
    *,
    geography: Geography | str | Path | None = None,
    vocabulary: Vocabulary | str | Path | None = None,
    batches: str | Path | pd.DataFrame | None = None,
    series: str | None = None,
    extend_vocabulary: bool = False,
    allow_unresolved: bool = False,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    header_row: int | None = None,
    practice_separator: str | None = None,
    layout: str = "auto",
    covariates: Covariates | str | Path | None = None,
    network: InfluenceNetwork | str | Path | None = None,
    directed: bool = False,
    time: TimeUnit = "batch",
) -> Dataset:
    """Read and validate a user's case file (CSV, TSV, XLSX or JSON).

    Parameters
    ----------
    path : str or Path
        The case file; Chinese or English headers (see the README for the accepted names).
    geography : Geography, str or Path, optional
        Bundled name, folder, or object; China by default.
    vocabulary : Vocabulary, str or Path, optional
        A vocabulary or a practices CSV; by default the bundled vocabularies.
    batches : path or DataFrame, optional
        Known batches with ``series, batch, date`` and optionally ``official_count``, which
        date batch-only rows and state coverage against official totals.
    series : str, optional
        Series for rows that name none (default: the file's stem).
    extend_vocabulary, allow_unresolved : bool
        See :func:`diffusion.data.cases.parse_cases`.
    header_row : int, optional
        The line of the column names (as a spreadsheet numbers it); by default found among the
        first lines, with a warning when it is not line 1 (a title above it, a grouped header).
    practice_separator : str, optional
        What separates practices in a cell, or ``"none"``; see :func:`diffusion.data.cases.parse_cases`.
    layout : {"auto", "long", "wide"}
        A row per case, or a wide table (a row per unit, a column per practice); default: told apart.
    delimiter, sheet
        See :func:`diffusion.data.io.read_table`.
    covariates : Covariates, str or Path, optional
        A covariate file (long ``unit, year, variable, value`` or wide ``unit[, year], var1, ...``;
        see :func:`diffusion.data.covariate_file.read_covariates`), added to the geography's.
    network : InfluenceNetwork, str or Path, optional
        An influence network (edge list ``source, target[, weight][, start][, end]``; see
        :func:`diffusion.data.influence.read_network`), used instead of adjacency at its level.
    directed : bool
        Whether the network's ties run from ``source`` to ``target`` only.
    time : {"batch", "year", "month"}
        The time unit of the periods: one per distinct date (the lists' own rhythm), per calendar
        year, or per month (see :func:`diffusion.data.calendar.build_calendar`).

    Returns
    -------
    Dataset

    Raises
    ------
    InputFileError, ValidationError

    Examples
    --------
    >>> ds = read_cases("my_cases.csv")  # doctest: +SKIP
    >>> ds.input["encoding"]  # doctest: +SKIP
    'GBK'
    """
    geo = geography if isinstance(geography, Geography) else load_geography(geography)
    if vocabulary is None:
        vocab = default_vocabulary()
    elif isinstance(vocabulary, Vocabulary):
        vocab = vocabulary
    else:
        vocab = Vocabulary.from_file(vocabulary)
    known_meta, known_batches = _bundled_series()
    if batches is None:
        batches = known_batches
    elif not isinstance(batches, pd.DataFrame):
        batches = _check_batches(read_table(batches))
    tbl = read_table(path, delimiter=delimiter, sheet=sheet)
    if covariates is not None and not isinstance(covariates, Covariates):
        covariates = read_covariates(covariates, geo)  # its problems before the cases' (a smaller file)
    if network is not None and not isinstance(network, InfluenceNetwork):
        network = read_network(network, geo, directed=directed)
    ds = _build(
        tbl,
        geo,
        vocab,
        name=Path(path).stem,
        title=Path(path).name,
        series_meta=known_meta,
        batches=batches,
        series=series,
        extend_vocabulary=extend_vocabulary,
        allow_unresolved=allow_unresolved,
        header_row=header_row,
        practice_separator=practice_separator,
        layout=layout,
        input_path=str(path),
        time=time,
    )
    return replace(ds, user_covariates=covariates, network=network)


def _check_batches(tbl) -> pd.DataFrame:
    """A user's batches table: series, batch, date required; official_count optional."""
    df = tbl.frame
    found = t("columns series, batch, date[, official_count]; found {found}", found=list(df.columns))
    missing = [c for c in ("series", "batch", "date") if c not in df.columns]
    failures = [
        problem(tbl.path, 1, c, "", t("missing required column"), found, t("add a '{field}' column", field=c))
        for c in missing
    ]
    if not missing:
        for row, r in zip(tbl.rows, df.itertuples(index=False)):
            count = getattr(r, "official_count", "")
            checks = [
                ("batch", r.batch, parse_batch(r.batch) is None, t("a batch number such as 1 or 第一批")),
                ("date", r.date, parse_date(r.date) is None, t("a date: YYYY, YYYY-MM or YYYY-MM-DD")),
                ("official_count", count, bool(count) and not str(count).isdigit(), t("a whole number, or empty")),
            ]
            failures += [
                problem(tbl.path, row, col, value, t("unreadable {field}", field=col), expected, t("correct the cell"))
                for col, value, bad, expected in checks
                if bad
            ]
    if failures:
        raise ValidationError(failures, source=tbl.path)
    out = df.copy()
    out["batch"] = out["batch"].map(lambda b: str(parse_batch(b)))
    out["date"] = out["date"].map(parse_date)
    return out


def _build(
    tbl,
    geo,
    vocab,
    *,
    name,
    title,
    series_meta,
    batches,
    input_path,
    series=None,
    extend_vocabulary=False,
    allow_unresolved=False,
    header_row=None,
    practice_separator=None,
    layout="auto",
    time="batch",
    promotion_events=None,
    sources=None,
    manifest=None,
) -> Dataset:
    parsed = parse_cases(
        tbl,
        geo,
        vocab,
        series=series,
        batches=batches,
        extend_vocabulary=extend_vocabulary,
        allow_unresolved=allow_unresolved,
        header_row=header_row,
        practice_separator=practice_separator,
        layout=layout,
        time=time,
    )
    ids = parsed.cases["series"].unique().tolist()  # in order of appearance
    known = {m["id"]: m for m in series_meta}
    meta = pd.DataFrame([known.get(s, {"id": s, "label_en": s}) for s in ids])
    for col in ("label_en", "label_zh", "official_total", "official_total_note"):
        if col not in meta.columns:
            meta[col] = None
    found = parsed.cases.dropna(subset=["batch"]).groupby(["series", "batch"], as_index=False)["date"].min()
    found["batch"] = found["batch"].astype(int).astype(str)
    if batches is None:
        batches = found
    batches = batches[batches["series"].isin(ids)].copy()
    batches["batch"] = batches["batch"].astype(str)
    # Batches seen in the cases but absent from the batches table are listed too.
    batches = pd.concat(
        [
            batches,
            found.merge(batches[["series", "batch"]], how="left", indicator=True)
            .query("_merge == 'left_only'")
            .drop(columns="_merge"),
        ],
        ignore_index=True,
    )
    if "official_count" not in batches.columns:
        batches["official_count"] = ""
    batches["official_count"] = batches["official_count"].fillna("")
    total = batches.groupby("series")["official_count"].apply(
        lambda s: sum(int(v) for v in s) if all(str(v).isdigit() for v in s) and len(s) else None
    )
    meta["official_total"] = [given or total.get(i) for i, given in zip(meta["id"], meta["official_total"])]
    return Dataset(
        name=name,
        title=title,
        cases=parsed.cases,
        events=parsed.events,
        geography=geo,
        vocabulary=parsed.vocabulary,
        series=meta,
        batches=batches,
        warnings=parsed.warnings,
        input={
            "path": input_path,
            "format": tbl.format,
            "encoding": tbl.encoding,
            "delimiter": tbl.delimiter,
            "sha256": tbl.sha256,
            "rows": len(tbl.frame),
        },
        promotion_events=promotion_events,
        sources=sources,
        manifest=manifest or {},
        calendar=parsed.calendar.assign(time=time),
    )
