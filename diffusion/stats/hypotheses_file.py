"""Hypotheses files: a YAML list of tests with their options, run together with FDR over the family.

Each item names a test and its options (any option of the test's function, or an alias from
:data:`~diffusion.stats.registry.ALIASES`); ``practices`` runs the test once per listed practice::

    - test: neighbour
      practices: [points_system, list_system]   # one test per practice; omit for all practices together
      permutations: 999
      null_model: strata
    - test: gradient
      northeast: East

:func:`read_hypotheses` checks every item against the registry and reports every problem at once;
:func:`run_hypotheses` runs them all and adjusts their p-values together (Benjamini–Hochberg).
"""

from __future__ import annotations

import reprlib
from pathlib import Path

import pandas as pd
import yaml

from diffusion.data.dataset import Dataset
from diffusion.errors import DiffusionError, ValidationError, problem
from diffusion.i18n import messages, t
from diffusion.limits import limit, raise_hint
from diffusion.stats.inference import TestResult
from diffusion.stats.registry import ALIASES, TEST_NAMES, TESTS, run_test

__all__ = ["read_hypotheses", "run_hypotheses"]


def read_hypotheses(path: str | Path) -> list[dict]:
    """Read and check a hypotheses YAML file; every problem is reported at once.

    Unknown tests, options a test does not have and values outside an option's allowed set are
    each a row of the :class:`~diffusion.errors.ValidationError`'s table.
    """
    path = Path(path)
    try:
        if path.stat().st_size > limit("yaml_bytes"):
            raise DiffusionError(
                f"{path}: {path.stat().st_size:,} bytes is too large for a hypotheses file "
                f"({raise_hint('yaml_bytes')})."
            )
        text = path.read_text(encoding="utf-8")
        _check_shape(path, text)
        items = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as exc:  # ValueError: a date like 2019-13-45
        raise DiffusionError(f"{path}: cannot read the hypotheses file ({exc}).") from None
    if not isinstance(items, list) or not items:
        raise DiffusionError(f"{path}: a hypotheses file is a non-empty YAML list of items with a 'test' key.")
    failures = []
    for k, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("test"), str) or item["test"] not in TESTS:
            shown = reprlib.repr(item.get("test") if isinstance(item, dict) else item)
            failures.append(
                problem(
                    str(path),
                    k,
                    "test",
                    shown,
                    t("unknown or missing test"),
                    t("one of {names}", names=list(TEST_NAMES)),
                    t("name a test"),
                )
            )
            continue
        failures += _item_problems(str(path), k, item)
    if failures:
        raise ValidationError(failures, source=str(path))
    return items


def _check_shape(path: Path, text: str) -> None:
    """Refuse, before building it, YAML nested deeper or with more aliases than the limits ``yaml_depth``
    and ``yaml_aliases`` (a "billion laughs" file expands exponentially through its aliases)."""
    depth = aliases = 0
    max_depth, max_aliases = limit("yaml_depth"), limit("yaml_aliases")
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > max_depth:
                raise DiffusionError(
                    f"{path}: nested more than {max_depth} levels deep; a hypotheses file is a flat list "
                    f"({raise_hint('yaml_depth')})."
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > max_aliases:
                raise DiffusionError(
                    f"{path}: more than {max_aliases} YAML aliases (*name); write the items out "
                    f"({raise_hint('yaml_aliases')})."
                )


def _item_problems(path: str, k: int, item: dict) -> list[dict]:
    """Keys the item's test does not take, and values outside an option's allowed set."""
    options = TESTS[item["test"]].options
    keys = {"test", *options, *(a for a, n in ALIASES.items() if n in options)}
    allowed = sorted(keys | ({"practices"} if "practice" in options else set()))
    out = []
    for key in sorted(set(item) - {"test"}, key=str):
        name = ALIASES.get(key, "practice" if key == "practices" else key)
        if name not in options:
            out.append(
                problem(
                    path,
                    k,
                    str(key),
                    str(item[key]),
                    t("unknown option"),
                    t("one of {names}", names=allowed),
                    t("remove or rename it"),
                )
            )
        elif key != "practices" and (choices := options[name].choices) and item[key] not in choices:
            out.append(
                problem(
                    path,
                    k,
                    str(key),
                    str(item[key]),
                    t("value not allowed"),
                    t("one of {names}", names=list(choices)),
                    t("choose one of them"),
                )
            )
    return out


def run_hypotheses(
    ds: Dataset, items: list[dict], *, seed: int = 0, progress: bool | None = None
) -> tuple[pd.DataFrame, list[TestResult]]:
    """Run every hypothesis (one per listed practice) and adjust the p-values together (BH FDR).

    ``seed`` is the seed of items that give none.
    """
    from scipy import stats

    results, practices_run = [], []
    for item in items:
        practices = item.get("practices") or [None]
        options = {k: v for k, v in item.items() if k not in ("test", "practices")}
        if "seed" in TESTS[item["test"]].options:
            options.setdefault("seed", seed)
        for practice in practices if isinstance(practices, list) else [practices]:
            one = {**options, "practice": practice} if practice is not None else options
            results.append(run_test(ds, item["test"], progress=progress, **one))
            practices_run.append(practice or "")
    table = pd.DataFrame(
        [
            {
                "test": r.name,
                "practice": practice,
                "supported": r.supported,
                "statistic": r.statistic,
                "p_value": r.p_value,
                "mid_p": r.p_value_mid,
                "attained_size": r.attained_size,
                "effect": r.effect_size,
                "null model": r.null_model,
                "interpretation": r.interpretation,
            }
            for r, practice in zip(results, practices_run)
        ]
    )
    # Messages stay messages (a report shows them in its language).
    table["null model"] = messages((r.null_model for r in results), table.index)
    table["interpretation"] = messages((r.interpretation for r in results), table.index)
    ok = table["supported"] & table["p_value"].notna()
    table["q_value"] = float("nan")
    if ok.any():
        table.loc[ok, "q_value"] = stats.false_discovery_control(table.loc[ok, "p_value"].to_numpy(), method="bh")
    return table, results
