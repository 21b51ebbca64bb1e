"""The report's hypothesis tests: results, each null distribution, the model's forest plot, method cards."""

from __future__ import annotations

import re
import warnings

import pandas as pd

from diffusion.data.dataset import Dataset
from diffusion.i18n import joined, messages, region_name, t, translate
from diffusion.network.centrality import HitsWarning
from diffusion.report.null_figures import drawable, null_panels
from diffusion.report.sections import svg_figure, table

__all__ = ["DEFAULT_HYPOTHESES", "model_figure", "report_tests", "term_meaning", "tests_section"]

#: Tests run when a report is made without a hypotheses file.
DEFAULT_HYPOTHESES: list[dict] = [
    {"test": "neighbour"},
    {"test": "gradient"},
    {"test": "join-counts"},
    {"test": "moran"},
    {"test": "structure"},
    {"test": "coadoption", "permutations": 199},
    {"test": "event-history"},
]


def report_tests(ds: Dataset, hypotheses: list[dict] | None = None, *, seed: int = 0, lang: str = "en") -> pd.DataFrame:
    """Every test of the report as one table: one row per hypothesis, p-values FDR-adjusted together.

    Parameters
    ----------
    ds : Dataset
    hypotheses : list of dict, optional
        As read by :func:`diffusion.stats.hypotheses_file.read_hypotheses`; default: the report's set.
    seed : int
        Seed of every permutation test that gives none.
    lang : {"en", "zh"}
        Language of the hypothesis, null model and interpretation columns.

    Examples
    --------
    >>> import diffusion
    >>> tests = diffusion.report_tests(diffusion.load_dataset("leading-cases"))
    >>> list(tests.columns[:4]), len(tests)
    (['test', 'hypothesis', 'practice', 'statistic'], 7)
    """
    frame, _ = _run(ds, hypotheses, seed)
    out = _shown(frame)
    for column in ("hypothesis", "null model", "interpretation"):
        out[column] = [translate(v, lang) for v in out[column]]
    return out.astype({c: str for c in ("hypothesis", "null model", "interpretation")})


def _run(ds: Dataset, hypotheses: list[dict] | None, seed: int) -> tuple[pd.DataFrame, list]:
    from diffusion.stats.hypotheses_file import run_hypotheses

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HitsWarning)
        return run_hypotheses(ds, hypotheses or DEFAULT_HYPOTHESES, seed=seed, progress=False)


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The report's columns of the results, each test's question (its title) beside its name."""
    from diffusion.stats.registry import TITLES

    columns = ["test", "hypothesis", "practice", "statistic", "effect", "p_value", "mid_p", "q_value"]
    titled = frame.assign(hypothesis=messages((TITLES.get(n, n) for n in frame["test"]), frame.index))
    return titled[[*columns, "null model", "interpretation"]]


def tests_section(ds: Dataset, hypotheses: list[dict] | None, seed: int, lang: str = "en") -> dict | None:
    """Results of the hypotheses (FDR-adjusted together) and a method card per test used."""
    from diffusion.stats.registry import TESTS, TITLES

    if not ds.events["time_known"].any():
        return None
    frame, results = _run(ds, hypotheses, seed)
    shown = _shown(frame)
    questions = {r.name: r.question for r in results}
    cards = [
        {
            "name": t("{title} (test {name})", title=TITLES[n], name=n),
            "test": n,
            "question": questions[n],
            "statistic": TESTS[n].card.statistic,
            "null": TESTS[n].card.null,
            "caveat": TESTS[n].card.caveat,
        }
        for n in dict.fromkeys(frame["test"])
    ]
    models = [model_figure(r, lang) for r in results if r.name == "event-history" and r.supported]
    return {
        "models": models,
        "nulls": null_figure(results, [ds.vocabulary.label(p, lang) if p else "" for p in frame["practice"]], lang),
        "table": table(
            shown,
            formats={
                "test": "code",
                "statistic": ".4g",
                "effect": "+.4g",
                "p_value": ".3g",
                "mid_p": ".3g",
                "q_value": ".3g",
            },
            missing={"statistic": t("not tested")},
        ),
        "cards": cards,
        "default": hypotheses is None,
        "seed": seed,
        "n": len(frame),
        "tested": int(frame["supported"].sum()),
    }


def null_figure(results: list, practices: list[str], lang: str = "en") -> dict | None:
    """Each permutation test's null distribution with its observed statistic, in small multiples."""
    from diffusion.stats.registry import TITLES

    practice_of = dict(zip(map(id, results), practices))
    panels = [(r, joined(TITLES.get(r.name, r.name), practice_of[id(r)], sep=" · ")) for r in drawable(results)]
    if not panels:
        return None
    cols = min(4, len(panels))
    rows = -(-len(panels) // cols)
    figure = svg_figure(lambda axes: null_panels(panels, axes, lang), (2.3 * cols + 0.4, 1.9 * rows + 0.7), rows, cols)
    alt = t(
        "The null distribution of each of the {n} permutation tests (grey bars: the statistic on data permuted as "
        "its null model says) and the observed statistic (red line); the further the line from the bulk of the "
        "bars, the smaller the p-value.",
        n=len(panels),
    )
    return {"figure": figure, "alt": alt}


def model_figure(result, lang: str = "en") -> dict:
    """The event-history model of a test result: a forest plot and its coefficient table."""
    from diffusion.report.figures import forest_plot

    coefficients = pd.DataFrame(result.details["coefficients"])
    coefficients["meaning"] = messages(map(term_meaning, coefficients["term"]), coefficients.index)
    scale = {"logit": "odds", "cloglog": "hazard"}.get(result.details["link"], "probability")
    drawn = coefficients.assign(term=[translate(m, lang) for m in coefficients["meaning"]])
    figure = svg_figure(lambda ax: forest_plot(drawn, ax=ax, scale=scale, lang=lang), (7.5, 0.45 * len(drawn) + 1.2))
    columns = ("term", "meaning", "estimate", "ratio", "lower", "upper", "p_value")
    shown = coefficients[[c for c in columns if c in coefficients]]
    return {
        "figure": figure,
        "alt": t(
            "Forest plot of the {n} terms of the event-history model ({formula}) with 95 % intervals; {clusters} "
            "clusters, inference: {inference}.",
            n=len(coefficients),
            formula=result.details["formula"],
            clusters=result.details["clusters"],
            inference=result.details["inference"],
        ),
        "table": table(
            shown, formats=dict.fromkeys(["estimate", "ratio", "lower", "upper", "p_value"], ".3g") | {"term": "code"}
        ),
        "formula": result.details["formula"],
    }


def term_meaning(term: str) -> str:
    """A model term in words: a channel's definition, ``C(macro_region)[T.West]`` as "macro_region: West".

    Examples
    --------
    >>> term_meaning("C(macro_region)[T.West]"), term_meaning("const"), term_meaning("log_gdp")
    ('macro-region: West', 'intercept', 'log_gdp')
    """
    from diffusion.stats.channels import CHANNELS

    if term in CHANNELS:
        return CHANNELS[term]
    if term in ("const", "Intercept"):
        return t("intercept")
    if match := re.fullmatch(r"C\((\w+)\)\[T\.(.+)\]", term):
        variable = t("macro-region") if match.group(1) == "macro_region" else match.group(1)
        return t("{variable}: {value}", variable=variable, value=region_name(match.group(2)))
    return term
