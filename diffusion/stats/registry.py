"""Running hypothesis tests by name, from the CLI or a hypotheses file, with FDR over a family.

A hypotheses file is a small YAML list; each item names a test and its options::

    - test: neighbour
      practices: [points_system, list_system]   # one test per practice; omit for all practices together
      permutations: 999
    - test: gradient
      northeast: East
    - test: promotion
      practices: [points_system]

:func:`run_hypotheses` runs them all and adjusts their p-values together (Benjamini–Hochberg).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml
from scipy import stats

from diffusion.data.dataset import Dataset
from diffusion.errors import DiffusionError, ValidationError, problem
from diffusion.stats.coadoption import coadoption_test
from diffusion.stats.event_history import event_history_test
from diffusion.stats.gradient import gradient_test
from diffusion.stats.inference import TestResult
from diffusion.stats.neighbour import neighbour_test
from diffusion.stats.promotion import promotion_test
from diffusion.stats.spatial import join_count_test, moran_test

__all__ = ["METHOD_CARDS", "TEST_NAMES", "read_hypotheses", "run_hypotheses", "run_test"]

ALL_TESTS = {
    "neighbour": neighbour_test,
    "gradient": gradient_test,
    "promotion": promotion_test,
    "coadoption": coadoption_test,
    "join-counts": join_count_test,
    "moran": moran_test,
    "event-history": event_history_test,
}
TEST_NAMES = tuple(ALL_TESTS)

#: What each test asks, what its null is, and what to keep in mind (shown in reports).
METHOD_CARDS = {
    "neighbour": (
        "Share of adoptions whose region had a neighbour adopting the same practice earlier.",
        "Adoption times permuted among each practice's adopters (or within strata, or random adopters).",
        "Neighbours are known at one level only (China: provinces); a partial list of cases weakens "
        "every test of timing.",
    ),
    "gradient": (
        "Jonckheere–Terpstra count of cross-region pairs in which the earlier macro-region adopted first.",
        "Macro-region labels permuted among each practice's adoptions.",
        "Northeast is left out unless placed; batches are coarse, so many pairs tie.",
    ),
    "promotion": (
        "Share of the practice's adoptions on or after its promotion minus that share for other practices.",
        "Practice labels permuted among adoptions.",
        "Promotion dates have month or year precision; a batch circular can be both promotion and adoption.",
    ),
    "coadoption": (
        "Co-occurrence of practice pairs in cases; overall, the sum of squared co-occurrences.",
        "Curveball rewiring keeps every case's number of practices and every practice's number of cases.",
        "Tags of batch-4 cases are mostly section themes, which inflates co-occurrence.",
    ),
    "join-counts": (
        "Adjacent pairs of regions that both adopted (black-black joins).",
        "Adoption permuted among the regions of the level.",
        "With most regions adopting, the test has little room to detect clustering.",
    ),
    "moran": (
        "Moran's I of the first adoption period over adopting regions with adopting neighbours.",
        "Adoption periods permuted among those regions.",
        "Islands (no adopting neighbour) are left out.",
    ),
    "event-history": (
        "Coefficient of the share of neighbours that adopted earlier in a discrete-time model.",
        "Wald test with standard errors clustered by top-level unit (no permutation).",
        "Few events per period make the estimates unstable; period terms absorb common shocks.",
    ),
}

_OPTIONS = {
    "neighbour": {"practice", "level", "null", "strata", "n_permutations", "alternative", "seed", "n_jobs"},
    "gradient": {"practice", "northeast", "n_permutations", "alternative", "seed", "n_jobs"},
    "promotion": {"practice", "date", "n_permutations", "alternative", "seed", "n_jobs"},
    "coadoption": {"n_permutations", "seed", "n_jobs"},
    "join-counts": {"practice", "level", "n_permutations", "alternative", "seed", "n_jobs"},
    "moran": {"practice", "level", "n_permutations", "alternative", "seed", "n_jobs"},
    "event-history": {"practice", "level", "link", "seed"},
}


def run_test(ds: Dataset, name: str, *, progress: bool | None = None, **options) -> TestResult:
    """Run one test by name with the options that apply to it (others, and None values, are ignored).

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> run_test(load_dataset("broadband-china"), "gradient", n_permutations=99, progress=False).supported
    True
    """
    if name not in ALL_TESTS:
        raise DiffusionError(f"unknown test {name!r}; the tests are {list(TEST_NAMES)}.")
    if name == "promotion" and not options.get("practice"):
        raise DiffusionError("the promotion test needs a practice: --practice TAG (practices: in the YAML file).")
    kwargs = {k: v for k, v in options.items() if k in _OPTIONS[name] and v is not None}
    if name != "event-history":
        kwargs["progress"] = progress
    try:
        return ALL_TESTS[name](ds, **kwargs)
    except ValueError as exc:  # a bad option value: say which
        raise DiffusionError(f"test {name}: {exc}") from None


def read_hypotheses(path: str | Path) -> list[dict]:
    """Read and check a hypotheses YAML file; every problem is reported at once."""
    path = Path(path)
    try:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DiffusionError(f"{path}: cannot read the hypotheses file ({exc}).") from None
    if not isinstance(items, list) or not items:
        raise DiffusionError(f"{path}: a hypotheses file is a non-empty YAML list of items with a 'test' key.")
    failures = []
    # "null_model", not "null": YAML reads a bare null as None.
    known = {
        "test",
        "practices",
        "permutations",
        "seed",
        "alternative",
        "level",
        "null_model",
        "northeast",
        "date",
        "link",
    }
    for k, item in enumerate(items, start=1):
        if not isinstance(item, dict) or item.get("test") not in ALL_TESTS:
            failures.append(
                problem(
                    str(path),
                    k,
                    "test",
                    str(item.get("test") if isinstance(item, dict) else item),
                    "unknown or missing test",
                    f"one of {list(TEST_NAMES)}",
                    "name a test",
                )
            )
            continue
        for key in sorted(set(item) - known):
            failures.append(
                problem(
                    str(path),
                    k,
                    key,
                    str(item[key]),
                    "unknown option",
                    f"one of {sorted(known)}",
                    "remove or rename it",
                )
            )
    if failures:
        raise ValidationError(pd.DataFrame(failures), source=str(path))
    return items


def run_hypotheses(
    ds: Dataset, items: list[dict], *, seed: int = 0, progress: bool | None = None
) -> tuple[pd.DataFrame, list[TestResult]]:
    """Run every hypothesis (one per listed practice) and adjust the p-values together (BH FDR)."""
    results = []
    for item in items:
        practices = item.get("practices") or [None]
        for practice in practices if isinstance(practices, list) else [practices]:
            options = {
                "practice": practice,
                "n_permutations": item.get("permutations", 999),
                "seed": item.get("seed", seed),
                "alternative": item.get("alternative"),
                "level": item.get("level"),
                "null": item.get("null"),
                "northeast": item.get("northeast"),
                "date": item.get("date"),
                "link": item.get("link"),
            }
            results.append(run_test(ds, item["test"], progress=progress, **options))
    table = pd.DataFrame(
        [
            {
                "test": r.name,
                "practice": r.details.get("practice", ""),
                "supported": r.supported,
                "statistic": r.statistic,
                "p_value": r.p_value,
                "effect": r.effect_size,
                "null model": r.null_model,
                "interpretation": r.interpretation,
            }
            for r in results
        ]
    )
    ok = table["supported"] & table["p_value"].notna()
    table["q_value"] = float("nan")
    if ok.any():
        table.loc[ok, "q_value"] = stats.false_discovery_control(table.loc[ok, "p_value"].to_numpy(), method="bh")
    return table, results
