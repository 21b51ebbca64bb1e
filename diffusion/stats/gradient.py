"""Ordered gradient: did practices reach the macro-regions in a hypothesised order (China: East > Central > West)?"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from diffusion.checks import Seed, check_choice
from diffusion.data.dataset import Dataset
from diffusion.errors import ParameterError
from diffusion.i18n import joined, region_name, t
from diffusion.stats.adoptions import adoptions_at
from diffusion.stats.inference import (
    Alternative,
    TestResult,
    permutation_options,
    permutation_test,
    result,
    unsupported,
)
from diffusion.stats.nulls import permute_within

__all__ = ["GRADIENT_Q", "gradient_test", "macro_region_order"]

GRADIENT_Q = t("Did practices reach the macro-regions in the hypothesised order (China: East, Centre, West)?")


def macro_region_order(order=("East", "Central", "West"), northeast: str = "exclude") -> dict[str, int]:
    """Rank of each macro-region in the ordered alternative; Northeast joins a group or is left out."""
    ranks = {g: k for k, g in enumerate(order)}
    if check_choice("northeast", northeast, ["exclude", *order]) != "exclude":
        ranks["Northeast"] = ranks[northeast]
    return ranks


def _jonckheere(times: np.ndarray, ranks: np.ndarray, blocks: np.ndarray | None = None) -> np.ndarray:
    """J for each row of ``ranks`` (k x n): pairs with a lower-ranked group adopting earlier, ties 1/2.

    With ``blocks`` (one per adoption, e.g. its practice) only pairs within a block count: the
    sum of the blocks' J. Counted from each row's group x (block, period) table, O(n) a row: no
    n x n matrix of pairs.

    Examples
    --------
    >>> _jonckheere(np.array([1, 2, 2]), np.array([[0, 1, 1], [1, 0, 1]])).tolist()  # 1 + 1; then a tie: 0.5
    [2.0, 0.5]
    >>> _jonckheere(np.array([1, 2, 2]), np.array([[0, 1, 1]]), np.array([0, 0, 1])).tolist()  # one pair in block 0
    [1.0]
    """
    blocks = np.zeros(len(times), dtype=int) if blocks is None else pd.factorize(blocks)[0]
    # One column per (block, period) present, blocks contiguous and periods increasing within them.
    cells = pd.MultiIndex.from_arrays([blocks, times])
    codes, uniq = pd.factorize(cells, sort=True)
    block_of = uniq.get_level_values(0).to_numpy()
    end = np.searchsorted(block_of, block_of, side="right")  # one past each block's last column
    groups, g = np.unique(ranks.ravel(), return_inverse=True)
    k, n_groups, n_cells = len(ranks), len(groups), len(uniq)
    cell = (np.arange(k)[:, None] * n_groups + g.reshape(ranks.shape)) * n_cells + codes[None, :]
    table = np.bincount(cell.ravel(), minlength=k * n_groups * n_cells).reshape(k, n_groups, n_cells)
    suffix = np.concatenate([table[:, :, ::-1].cumsum(axis=2)[:, :, ::-1], np.zeros((k, n_groups, 1))], axis=2)
    later = suffix[:, :, 1:] - suffix[:, :, end]  # members of a group later in the same block
    out = np.zeros(k)
    for a in range(n_groups):
        for b in range(a + 1, n_groups):
            out += (table[:, a, :] * (later[:, b, :] + 0.5 * table[:, b, :])).sum(axis=1)
    return out


def gradient_test(
    ds: Dataset,
    *,
    practice: str | None = None,
    order: tuple[str, ...] | None = None,
    northeast: str = "exclude",
    n_permutations: int = 999,
    alternative: Alternative = "greater",
    seed: Seed = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TestResult:
    """Ordered gradient in adoption timing between macro-regions (Jonckheere–Terpstra within practices).

    Adoptions are each practice's first adoption in each top-level region; the macro-region of
    the region is its group, ranked by ``order`` (default: the geography's ``gradient_order``,
    China's East > Central > West). Only pairs of adoptions *of the same practice* are compared,
    so practices adopted in different eras do not blur the comparison; the null permutes the
    group labels among each practice's adoptions. Pairwise Mann–Whitney tests (one-sided, the
    earlier-ranked group adopting earlier, over the same within-practice pairs) are in
    ``details["pairwise"]``.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> r = gradient_test(load_dataset("broadband-china"), n_permutations=99, progress=False)
    >>> r.details["order"], r.p_value < 0.05
    (['East', 'Central', 'West'], True)
    """
    opts = permutation_options(n_permutations, alternative, seed)
    name, model = "gradient", t("macro-region labels permuted among each practice's adoptions")
    geo = ds.geography
    order = tuple(order) if order else geo.region_order
    if not order:
        return unsupported(
            name,
            GRADIENT_Q,
            t(
                "the geography has no ordered regions (give the hypothesised order of its macro-regions: "
                '`--order A B C`, `order:` in a hypotheses file, or "gradient_order" in geography.json)'
            ),
            null_model=model,
        )
    known = sorted(set(geo.units["macro_region"]) - {""})
    unknown = [g for g in order if g not in known]
    if unknown:
        raise ParameterError(
            "order",
            f"`order` names {', '.join(map(repr, unknown))}, not a macro-region of the geography "
            f"(its macro-regions: {', '.join(known) or 'none'}).",
        )
    level, first = adoptions_at(ds, None, practice)
    ranks_of = macro_region_order(order, northeast)
    first = first.assign(group=first["region"].map(geo.macro_region))
    first = first[first["group"].isin(ranks_of)].reset_index(drop=True)
    present = sorted(set(first["group"]), key=lambda g: ranks_of[g])
    if len({ranks_of[g] for g in present}) < 2 or first["period"].nunique() < 2:
        return unsupported(
            name,
            GRADIENT_Q,
            t(
                "adoptions in {groups} ordered group(s) over {periods} period(s); at least 2 of each are needed",
                groups=len(present),
                periods=first["period"].nunique(),
            ),
            null_model=model,
        )
    times = first["period"].to_numpy(dtype=float)
    g = first["group"].map(ranks_of).to_numpy()
    pr = pd.factorize(first["practice"])[0]
    pairwise = _pairwise(times, g, pr, order)
    pairs = sum(r["pairs"] for r in pairwise)  # within-practice cross-group pairs compared
    if not pairs:
        return unsupported(
            name,
            GRADIENT_Q,
            t("no practice was adopted in two ordered groups, so no pair compares them"),
            null_model=model,
        )
    observed = float(_jonckheere(times, g[None, :], pr)[0])
    step = max(1, 2**22 // max(1, len(times) * len(order)))  # draws per block: bounded tables

    def batch(rng, k):
        return np.concatenate(
            [_jonckheere(times, permute_within(g, pr, rng, min(step, k - s)), pr) for s in range(0, k, step)]
        )

    p, dist = permutation_test(observed, batch, **opts, n_jobs=n_jobs, progress=progress)
    text = t(
        "In {share:.0%} of {pairs} same-practice pairs of regions in different groups, the region earlier in "
        "{order} adopted first (chance: {chance:.0%}; p = {p:.3g}). {verdict}",
        share=observed / pairs,
        pairs=pairs,
        order=joined(*map(region_name, order), sep=" > "),
        chance=dist.mean() / pairs,
        p=p,
        verdict=t("The ordered gradient holds beyond chance.") if p < 0.05 else t("No ordered gradient beyond chance."),
    )
    return result(
        name,
        GRADIENT_Q,
        observed,
        dist,
        p,
        interpretation=text,
        details={
            "pairwise": pairwise,
            "order": list(order),
            "northeast": northeast,
            "level": level,
            "pairs": pairs,
        },
        **opts,
        null_model=model,
    )


def _pairwise(t: np.ndarray, g: np.ndarray, pr: np.ndarray, order: tuple[str, ...]) -> list[dict]:
    """Each pair of groups: U over same-practice pairs, its share, and a normal-approximation p.

    U sums the practices' Mann–Whitney counts (the earlier group adopting first, ties 1/2); its
    null mean and variance are the sums of the practices' (tie-corrected), as in a stratified
    Wilcoxon (van Elteren without weights).
    """
    out = []
    for a in range(len(order)):
        for b in range(a + 1, len(order)):
            mine = (g == a) | (g == b)
            frame = pd.DataFrame({"p": pr[mine], "t": t[mine], "a": g[mine] == a})
            sizes = frame.groupby("p")["a"].agg(["sum", "size"])
            sizes = sizes[(sizes["sum"] > 0) & (sizes["sum"] < sizes["size"])]  # practices in both groups
            if sizes.empty:
                continue
            frame = frame[frame["p"].isin(sizes.index)]
            u = float(
                _jonckheere(frame["t"].to_numpy(), (~frame["a"]).to_numpy(dtype=int)[None, :], frame["p"].to_numpy())[0]
            )
            na, n = sizes["sum"].to_numpy(dtype=float), sizes["size"].to_numpy(dtype=float)
            nb = n - na
            ties = frame.groupby(["p", "t"]).size().rename("k").reset_index()
            tie_sum = (ties["k"] ** 3 - ties["k"]).groupby(ties["p"]).sum().reindex(sizes.index).to_numpy(dtype=float)
            pairs = float((na * nb).sum())
            var = float((na * nb / 12 * ((n + 1) - tie_sum / (n * (n - 1)))).sum())
            z = (u - pairs / 2) / np.sqrt(var) if var > 0 else float("nan")
            out.append(
                {
                    "earlier": order[a],
                    "later": order[b],
                    "pairs": int(pairs),
                    "U": u,
                    "p_earlier_first": u / pairs,
                    "p_value": float(stats.norm.sf(z)) if var > 0 else float("nan"),
                }
            )
    return out
