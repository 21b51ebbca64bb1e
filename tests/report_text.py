"""The visible text of a report, and how much of its prose is Chinese (the data's own names left out).

A report in Chinese still shows what comes from the data as the data has it: place names, practice
tags and labels, case titles, series names, sources, file paths, version strings. What is left is
the report's own prose; each visible piece of it (a text node of the page, figure text included)
counts as Chinese when it has at least twice as many Chinese characters as English words.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pandas as pd

CJK = re.compile(r"[\u3400-\u9fff]")
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]")  # two letters or more
#: Names of methods, authors, software and symbols that stay as they are in a Chinese text.
TERMS = {
    "Bass", "NetInf", "PageRank", "Moran", "Moran's", "Walker", "Valente", "netdiffuseR", "esda", "igraph",
    "Jaccard", "Jonckheere", "Terpstra", "Benjamini", "Hochberg", "Gomez-Rodriguez", "Leskovec", "Krause",
    "Desmarais", "Harden", "Boehmke", "NetworkInference", "Eppstein", "Cliff", "Ord", "McFadden", "Vuong",
    "Webb", "Chen", "et", "al", "CSV", "SVG", "JSON", "HTML", "GraphML", "GEXF", "YAML", "FILE", "yaml",
    "SMD", "FDR", "logit", "cloglog", "probit", "exp", "log", "min", "max", "SHA", "UTC", "vs", "df",
    "diffusion", "spread", "infer", "structure", "hypotheses", "curveball", "wild", "HITS", "AIC", "BIC",
    "MLE", "OLS", "Gini", "HHI", "ID", "id", "Python", "python", "pandas", "numpy", "matplotlib", "seaborn",
    "networkx", "Jinja", "Mann", "Whitney", "Kendall", "Wald", "Rubin", "Cox", "Firth",
}  # fmt: skip


class _Visible(HTMLParser):
    """Text nodes a reader sees: not in script, style, title or SVG metadata, not in ``<code>``."""

    HIDDEN = frozenset({"script", "style", "title", "code", "metadata"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        self.depth += tag in self.HIDDEN

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag in self.HIDDEN

    def handle_data(self, data: str) -> None:
        if not self.depth and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html: str) -> list[str]:
    """The visible text nodes of an HTML page, spaces collapsed."""
    parser = _Visible()
    parser.feed(html)
    return parser.texts


def data_strings(ds) -> list[str]:
    """Every text the dataset itself brings (names, labels, titles, sources), longest first."""
    frames = [ds.cases, ds.series, ds.vocabulary.table, ds.geography.units, ds.events]
    frames += [f for f in (ds.sources, ds.promotion_events, ds.batch_coverage()) if f is not None]
    from diffusion.data.periods import period_labels

    found = {ds.name, ds.title, ds.geography.title, ds.geography.notes, str(ds.input.get("path", ""))}
    found |= set(period_labels(ds)["label"])  # dates and series codes, "2019-05 (NRGLC #1)"
    found |= {str(v) for v in ds.manifest.values() if isinstance(v, str)}
    if ds.covariates is not None:
        found |= set(ds.covariates.table["variable"].astype(str))
    for frame in frames:
        for col in frame.columns:
            if frame[col].dtype == object or isinstance(frame[col].dtype, pd.CategoricalDtype | pd.StringDtype):
                found |= set(frame[col].dropna().astype(str))
    found |= {part.strip() for s in list(found) for part in re.split(r"[;,|]", s)}
    return sorted((s for s in found if len(s) >= 2), key=len, reverse=True)


def english_words(text: str) -> list[str]:
    """The English words of a piece of text, method names and symbols left out."""
    return [w for w in WORD.findall(text) if w not in TERMS]


def prose_share(html: str, names: list[str]) -> tuple[float, list[str]]:
    """Share of the report's own visible prose that is Chinese, and the pieces that are not."""
    pattern = re.compile("|".join(re.escape(n) for n in names)) if names else None
    chinese, english = 0, []
    for text in visible_texts(html):
        own = pattern.sub(" ", text) if pattern else text
        words = english_words(own)
        if not words and not CJK.search(own):
            continue  # numbers, symbols or data only
        if len(CJK.findall(own)) >= 2 * len(words):
            chinese += 1
        else:
            english.append(text)
    total = chinese + len(english)
    return (chinese / total if total else 1.0), english
