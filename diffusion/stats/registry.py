"""The hypothesis tests and their options, declared once: the CLI, hypotheses files and :func:`run_test` read them here.

A test is a function ``xxx_test(ds, *, <options>, seed, n_jobs, progress) -> TestResult`` in a
module of its own. Its keyword-only parameters *are* its options: their names, defaults and
annotations (``Literal[...]`` gives the allowed values) are read from the signature, so a new
option needs no other edit. Outside Python, a few options have a second name (:data:`ALIASES`:
``permutations`` for ``n_permutations``; ``null_model`` for ``null``, since a bare ``null`` is
YAML's empty value). Adding a test means one new module and one :data:`TESTS` entry.

Examples
--------
>>> sorted(TESTS["gradient"].options)
['alternative', 'n_jobs', 'n_permutations', 'northeast', 'order', 'practice', 'seed']
>>> TESTS["neighbour"].options["null"].choices
('times', 'strata', 'adopters')
"""

from __future__ import annotations

import importlib
import inspect
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from diffusion.errors import DiffusionError
from diffusion.i18n import t

__all__ = ["ALIASES", "OPTION_HELP", "TESTS", "TEST_NAMES", "TITLES", "MethodCard", "Option", "TestSpec", "run_test"]

#: Other names of options, outside Python (command-line flags, hypotheses-file keys) -> parameter.
ALIASES = {"permutations": "n_permutations", "null_model": "null", "jobs": "n_jobs"}

#: One line of help per option, wherever it appears.
OPTION_HELP = {
    "practice": "restrict to one practice (a tag)",
    "level": "level of the regions (default: the top level)",
    "null": "null model: times, strata or adopters (default: times)",
    "strata": "strata of the null model 'strata' (default: macro_region)",
    "n_permutations": "permutations R",
    "alternative": "alternative hypothesis (default: greater)",
    "seed": "seed of the permutations or wild bootstrap draws (default 0)",
    "n_jobs": "workers for permutations: threads, or processes for the structural test (default: one per core)",
    "order": "macro-regions in the hypothesised order (default: the geography's gradient_order; "
    "China: East Central West)",
    "pooling": "Moran's I per practice, combined (practice), or of the earliest adoption of any practice (any: "
    "confounds breadth with timing) (default: practice)",
    "northeast": "where Northeast goes in the order: exclude, or the name of a group",
    "date": "the promotion date (default: the practice's first promotion event)",
    "by": "co-adoption within cases or within regions (default: case)",
    "alpha": "false discovery rate for the practice pairs (default 0.05)",
    "link": "link of the event-history model: logit, cloglog or linear (default: logit)",
    "baseline": "intercepts per practice and period, per practice plus per period, or per period "
    "(default: practice-period)",
    "covariate_terms": "unit covariates as terms, lagged one year (names from the covariates)",
    "formula": "terms of the event-history model, e.g. '~ neighbour_share + parent_adopted' (see `diffusion model`)",
    "outcome": "a region adopts with a case inside it (within) or at itself (own) (default: within)",
    "inference": "wild cluster score bootstrap, cluster jackknife or sandwich (default: wild)",
    "draws": "wild bootstrap draws (default 9999)",
    "graph": "the geography's adjacency or your network at the level (ties), or the units of the same parent "
    "(hierarchy) (default: ties)",
    "lag": "exposure counts adoptions this many periods before or earlier (default 1)",
    "statistic": "any (an alter had adopted before) or threshold (the share of alters that had) (default: any)",
}

#: Parameters of every test that are not options of the question asked (how to run, not what).
_RUNNING = ("ds", "progress")


@dataclass(frozen=True)
class MethodCard:
    """What a test computes, against which null, and what to keep in mind (shown in reports)."""

    statistic: str
    null: str
    caveat: str


@dataclass(frozen=True)
class Option:
    """One option of a test, as its signature declares it."""

    name: str
    kind: type  # int, float, str, or tuple for a list of strings
    default: object
    choices: tuple[str, ...] | None
    required: bool

    @property
    def help(self) -> str:
        """The option's help line."""
        return OPTION_HELP.get(self.name, self.name.replace("_", " "))


@dataclass(frozen=True)
class TestSpec:
    """A registered test: its name, where its function lives, and its method card."""

    name: str
    function_path: str  # "module:function"; imported on first use
    card: MethodCard

    @cached_property
    def function(self) -> Callable:
        """The test function."""
        module, name = self.function_path.split(":")
        return getattr(importlib.import_module(module), name)

    @cached_property
    def options(self) -> dict[str, Option]:
        """The function's keyword-only parameters, in signature order."""
        hints = typing.get_type_hints(self.function)
        out = {}
        for p in inspect.signature(self.function).parameters.values():
            if p.kind is not p.KEYWORD_ONLY or p.name in _RUNNING:
                continue
            kind, choices = _kind(hints[p.name])
            required = p.default is p.empty
            out[p.name] = Option(p.name, kind, None if required else p.default, choices, required)
        return out

    def bind(self, options: dict[str, object]) -> dict[str, object]:
        """The keyword arguments for the function: aliases mapped, None dropped, unknown names refused."""
        kwargs = {}
        for key, value in options.items():
            name = ALIASES.get(key, key)
            if name not in self.options:
                raise DiffusionError(
                    f"test {self.name} has no option {key!r}; its options are {sorted(self.options)}"
                    + (f" (also written {', '.join(_aliases_of(self.options))})" if _aliases_of(self.options) else "")
                    + "."
                )
            if value is not None:
                kwargs[name] = tuple(typing.cast(list, value)) if self.options[name].kind is tuple else value
        missing = [o.name for o in self.options.values() if o.required and o.name not in kwargs]
        if missing:
            raise DiffusionError(f"test {self.name} needs `{'`, `'.join(missing)}`.")
        return kwargs


def _kind(hint: object) -> tuple[type, tuple[str, ...] | None]:
    """The scalar type of an annotation and, for a ``Literal``, its allowed values."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    origin = typing.get_origin(hint)
    if origin is typing.Literal:
        return str, tuple(args)
    if origin in (typing.Union, types.UnionType) and (len(args) == 1 or int in args):
        return _kind(int if int in args else args[0])  # Optional[X], or a seed (int | Generator | None)
    if origin is tuple:
        return tuple, None
    if hint in (int, float, str, bool):
        return hint, None
    raise TypeError(f"no command-line form for an option annotated {hint!r}")


def _aliases_of(options: dict[str, Option]) -> list[str]:
    return sorted(alias for alias, name in ALIASES.items() if name in options)


TESTS: dict[str, TestSpec] = {
    spec.name: spec
    for spec in (
        TestSpec(
            "neighbour",
            "diffusion.stats.neighbour:neighbour_test",
            MethodCard(
                t(
                    "Share of adoptions whose region had a neighbour (adjacency, or a tie of the user's network "
                    "active at the adoption) adopting the same practice earlier."
                ),
                t(
                    "Adoption times permuted among each practice's adopters (or within strata, or random adopters). "
                    "Calibration on independent nulls (benchmarks/pattern_tests_calibration.py; 300 datasets each, "
                    "alpha 0.05): practice-specific rates 0.037 (600 datasets), top-down shock 0.047, clustered "
                    "breadth 0.033, East-to-West gradient 0.020; null 'strata': 0.035, 0.043, 0.033, 0.030."
                ),
                t(
                    "Neighbours are known at one level only (China: provinces); a partial list of cases weakens "
                    "every test of timing. The share ties often on small data, which makes the test conservative: "
                    "each result states its attained size at the data (on the bundled leading cases it cannot reject "
                    "at all) and a mid-p."
                ),
            ),
        ),
        TestSpec(
            "gradient",
            "diffusion.stats.gradient:gradient_test",
            MethodCard(
                t(
                    "Jonckheere–Terpstra count of same-practice pairs of adoptions in different macro-regions in which "
                    "the region earlier in the order (the geography's gradient_order, or the option) adopted first."
                ),
                t(
                    "Macro-region labels permuted among each practice's adoptions. Calibration (300 datasets each, "
                    "alpha 0.05): practice-specific rates 0.047, top-down shock 0.047, clustered breadth 0.050; "
                    "power under an East-to-West gradient 0.93. Comparing pairs across practices, as before, "
                    "rejected 0.020 under rates: diluted by the practices' different eras."
                ),
                t(
                    "Northeast is left out unless placed; batches are coarse, so many pairs tie (the attained size is "
                    "stated); a geography without an order is not tested."
                ),
            ),
        ),
        TestSpec(
            "promotion",
            "diffusion.stats.promotion:promotion_test",
            MethodCard(
                t("Share of the practice's adoptions on or after its promotion minus that share for other practices."),
                t("Practice labels permuted among adoptions."),
                t("Promotion dates have month or year precision; a batch circular can be both promotion and adoption."),
            ),
        ),
        TestSpec(
            "coadoption",
            "diffusion.stats.coadoption:coadoption_test",
            MethodCard(
                t("Co-occurrence of practice pairs in cases; overall, the sum of squared co-occurrences."),
                t("Curveball rewiring keeps every case's number of practices and every practice's number of cases."),
                t("Tags of batch-4 cases are mostly section themes, which inflates co-occurrence."),
            ),
        ),
        TestSpec(
            "join-counts",
            "diffusion.stats.spatial:join_count_test",
            MethodCard(
                t(
                    "Adjacent pairs of regions that both adopted (black-black joins); beside it the analytical z "
                    "(Cliff & Ord, sampling without replacement) and esda's chi-square."
                ),
                t(
                    "Adoption permuted among the regions of the level (exact under exchangeable adoption; the "
                    "analytical moments equal the permutation distribution's, tested)."
                ),
                t("With most regions adopting, the test has little room to detect clustering."),
            ),
        ),
        TestSpec(
            "moran",
            "diffusion.stats.spatial:moran_test",
            MethodCard(
                t(
                    "Moran's I of each practice's adoption periods over its adopting regions with adopting neighbours "
                    "(row-standardised), averaged with weights = regions; analytical z under normality and "
                    "randomisation beside it (esda's z_norm, z_rand)."
                ),
                t(
                    "Adoption periods permuted among each practice's regions. Calibration (300 datasets each, alpha "
                    "0.05): practice-specific rates 0.062 (600 datasets), top-down shock 0.033, clustered breadth "
                    "0.043. The old statistic (pooling 'any': each region's earliest adoption of any practice) "
                    "rejected 0.107 under clustered breadth (0.26 on a stronger one) and 0.094 under rates."
                ),
                t(
                    "Islands (no adopting neighbour) are left out. Pooling 'any' is kept only by explicit choice: "
                    "regions that adopt more practices look earlier, so clustered breadth reads as clustered timing."
                ),
            ),
        ),
        TestSpec(
            "structure",
            "diffusion.stats.structure:structure_test",
            MethodCard(
                t(
                    "Share of adoptions (after each practice's first period) with an alter that had adopted earlier "
                    "(statistic 'any'), or the mean threshold: the share of each adopter's alters that had (statistic "
                    "'threshold', netdiffuseR's struct_test example)."
                ),
                t(
                    "The graph rewired keeping every unit's degree (igraph edge swaps, 10 per tie; in- and out-degree "
                    "for a directed network); adoption times kept. Calibration (100 datasets each, alpha 0.05): "
                    "practice-specific rates 0.050 ('any') / 0.050 ('threshold'); planted contagion: power 0.99 / 0.92."
                ),
                t(
                    "A graph that matches a gradient passes the test without contagion: East-to-West timing among "
                    "neighbours rejected 0.33 ('any') / 0.68 ('threshold'); use the event-history model with "
                    "macro-region terms there. 'threshold' misses simple contagion that saturates (one earlier "
                    "neighbour suffices). Dated ties cannot be rewired with their dates (not tested)."
                ),
            ),
        ),
        TestSpec(
            "event-history",
            "diffusion.stats.event_history:event_history_test",
            MethodCard(
                t(
                    "Coefficient of the formula's first channel term (default: the share of neighbours that adopted "
                    "earlier) in a discrete-time logit over a baseline hazard of each practice in each period, with "
                    "macro-region terms."
                ),
                t(
                    "Wild cluster score bootstrap over top-level units (Webb weights, 9,999 draws, leverage-scaled "
                    "scores; intervals by test inversion). Calibration on independent nulls (500 datasets each, "
                    "alpha 0.05), neighbour term / a provincial covariate: practice-specific rates 0.060 / 0.050, "
                    "top-down shock 0.044 / 0.040, East-to-West gradient 0.050 / 0.036, covariate-driven 0.060 / "
                    "power 0.94; under planted contagion power 0.99 (covariate 0.028). A second sample of 500 gave "
                    "the neighbour term 0.084 (rates) and 0.076 (gradient): pooled 0.072 and 0.063, slightly liberal."
                ),
                t(
                    "Few events per term make the estimates unstable (a warning under 10); the practice-by-period "
                    "baseline absorbs a dated promotion of a practice (baseline 'practice+period' estimates it); "
                    "with fewer than 20 clusters inference is approximate."
                ),
            ),
        ),
    )
}
TEST_NAMES = tuple(TESTS)

#: Each test in a few words, for the tables of reports (the name stays the command-line name).
TITLES = {
    "neighbour": t("neighbour contagion"),
    "gradient": t("regional gradient"),
    "promotion": t("central promotion"),
    "coadoption": t("co-adoption of practices"),
    "join-counts": t("clustering of adopters"),
    "moran": t("spatial autocorrelation of timing"),
    "structure": t("network structure"),
    "event-history": t("event-history model"),
}


def run_test(ds, name: str, *, progress: bool | None = None, **options):
    """Run one test by name; ``options`` are its options (or their aliases), None meaning the default.

    An option the test does not have is an error that lists the ones it has.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> run_test(load_dataset("broadband-china"), "gradient", permutations=99, progress=False).supported
    True
    >>> run_test(load_dataset("broadband-china"), "gradient", lvl="province")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    diffusion.errors.DiffusionError: test gradient has no option 'lvl'; its options are ['alternative', ...
    """
    spec = TESTS.get(name)
    if spec is None:
        raise DiffusionError(f"unknown test {name!r}; the tests are {list(TEST_NAMES)}.")
    kwargs = spec.bind(options)
    if "progress" in inspect.signature(spec.function).parameters:
        kwargs["progress"] = progress
    return spec.function(ds, **kwargs)
