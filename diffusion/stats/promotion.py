"""Top-down promotion: did a practice gain more adoptions after its central promotion than others did?"""

from __future__ import annotations

import numpy as np

from diffusion.checks import Seed
from diffusion.data.dataset import Dataset
from diffusion.i18n import t
from diffusion.stats.inference import (
    Alternative,
    TestResult,
    permutation_options,
    permutation_test,
    result,
    unsupported,
)
from diffusion.stats.nulls import permute_within

__all__ = ["PROMOTION_Q", "promotion_test"]

PROMOTION_Q = t("Did the practice gain more adoptions after its central promotion than other practices did?")


def promotion_test(
    ds: Dataset,
    *,
    practice: str,
    date: str | None = None,
    n_permutations: int = 999,
    alternative: Alternative = "greater",
    seed: Seed = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TestResult:
    """Top-down promotion: share of adoptions on or after the promotion date, promoted practice vs others.

    ``date`` defaults to the practice's first dated promotion event. Adoptions are each adopting
    unit's first adoption of each practice (units at any level).
    """
    opts = permutation_options(n_permutations, alternative, seed)
    name, model = "promotion", t("practice labels permuted among adoptions")
    if date is None:
        events = ds.promotion_events
        mine = (
            None
            if events is None
            else events[events["practices"].str.split(";").apply(lambda names: practice in names)]
        )
        if mine is None or mine.empty:
            return unsupported(
                name,
                PROMOTION_Q,
                t("no dated promotion event of '{practice}'; give the promotion `date`", practice=practice),
                null_model=model,
            )
        date = min(mine["date"])
    ev = ds.events[ds.events["time_known"]]
    first = ev.sort_values("date").drop_duplicates(["unit_id", "practice"])
    after = (first["date"] >= date).to_numpy()
    promoted = (first["practice"] == practice).to_numpy()
    if promoted.sum() < 1 or (~promoted).sum() < 1 or after.all() or not after.any():
        return unsupported(
            name,
            PROMOTION_Q,
            t(
                "needs adoptions of '{practice}' and of other practices on both sides of {date} ({after} after, "
                "{before} before)",
                practice=practice,
                date=date,
                after=after.sum(),
                before=(~after).sum(),
            ),
            null_model=model,
        )

    def stat(labels: np.ndarray) -> np.ndarray:
        n_p = labels.sum(axis=1)
        return (labels & after).sum(axis=1) / n_p - (~labels & after).sum(axis=1) / (len(after) - n_p)

    observed = float(stat(promoted[None, :])[0])

    def batch(rng, k):
        return stat(permute_within(promoted, np.zeros(len(promoted)), rng, k))

    p, dist = permutation_test(
        observed,
        batch,
        **opts,
        n_jobs=n_jobs,
        progress=progress,
    )
    share_p = after[promoted].mean()
    share_o = after[~promoted].mean()
    text = t(
        "{share:.0%} of the adoptions of '{practice}' came on or after its promotion ({date}), against "
        "{others:.0%} of the other practices' (difference {difference:+.0%}, p = {p:.3g}). {verdict}",
        share=share_p,
        practice=practice,
        date=date,
        others=share_o,
        difference=observed,
        p=p,
        verdict=t("Adoption rose after promotion beyond chance.") if p < 0.05 else t("Within what chance produces."),
    )
    return result(
        name,
        PROMOTION_Q,
        observed,
        dist,
        p,
        interpretation=text,
        details={
            "date": date,
            "practice": practice,
            "adoptions_practice": int(promoted.sum()),
            "adoptions_other": int((~promoted).sum()),
        },
        **opts,
        null_model=model,
    )
