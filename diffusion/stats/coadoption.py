"""Co-adoption: do some practices travel together, adopted by the same cases more often than chance?"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse, stats

from diffusion.checks import Seed, check_choice
from diffusion.data.dataset import Dataset
from diffusion.i18n import joined, t
from diffusion.measures.innovativeness import first_adoptions
from diffusion.stats.inference import (
    TestResult,
    p_value,
    permutation_options,
    permutation_test,
    result,
    unsupported,
)
from diffusion.stats.nulls import curveball

__all__ = ["COADOPTION_Q", "coadoption_test"]

COADOPTION_Q = t("Do some practices travel together, adopted by the same cases more often than chance?")


def coadoption_test(
    ds: Dataset,
    *,
    by: Literal["case", "region"] = "case",
    n_permutations: int = 199,
    alpha: float = 0.05,
    seed: Seed = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TestResult:
    """Practice pairs co-adopted beyond a degree-preserving (curveball) null, with BH FDR over pairs."""
    opts = permutation_options(n_permutations, "greater", seed)
    check_choice("by", by, ("case", "region"))
    name, model = (
        "coadoption",
        t(
            "curveball rewiring of the {by} x practice matrix (degrees kept)",
            by={"case": t("case"), "region": t("region")}[by],
        ),
    )
    if by == "case":
        # The practices cell is not carried through the explode (a cell of n practices would be repeated n times).
        pairs = ds.cases[["case_id"]].assign(practice=ds.cases["practices"].str.split(";"))
        pairs = pairs.explode("practice").rename(columns={"case_id": "member"})
    else:
        pairs = first_adoptions(ds).rename(columns={"region": "member"})
    pairs = pairs[["member", "practice"]].dropna().drop_duplicates()
    if pairs["practice"].nunique() < 2 or (pairs["member"].value_counts() > 1).sum() < 2:
        return unsupported(name, COADOPTION_Q, t("fewer than two members with two or more practices"), null_model=model)
    members, _ = pd.factorize(pairs["member"], sort=True)
    practices, names = pd.factorize(pairs["practice"], sort=True)
    b = np.zeros((members.max() + 1, len(names)), dtype=bool)
    b[members, practices] = True
    iu = np.triu_indices(b.shape[1], 1)
    multi = b.sum(axis=1) > 1  # row sums are kept: only these rows ever co-adopt

    def co(m):
        rows = sparse.csr_matrix(m[multi], dtype=np.int64)
        return (rows.T @ rows).toarray()[iu]

    observed_pairs = co(b)
    observed = float((observed_pairs**2).sum())

    def batch(rng, k):
        # Column 0 is the global statistic, the others each pair's co-occurrence in the same draw.
        # A curveball chain: burn in from the observed matrix (20 global trades, 10 trades a row),
        # then 2 global trades (one a row) between draws; each chunk runs its own seeded chain.
        m = curveball(b, rng, rounds=20)
        rows = []
        for _ in range(k):
            m = curveball(m, rng, rounds=2)
            rows.append(co(m))
        rows = np.array(rows, dtype=float)
        return np.column_stack([(rows**2).sum(axis=1), rows])

    p, draws = permutation_test(
        observed,
        batch,
        **opts,
        n_jobs=n_jobs,
        progress=progress,
    )
    dist = draws[:, 0]
    per_pair = draws[:, 1:]
    p_pair = p_value(observed_pairs, per_pair, "greater")
    q = stats.false_discovery_control(p_pair, method="bh")
    names = np.asarray(names)
    table = pd.DataFrame(
        {
            "practice_a": names[iu[0]],
            "practice_b": names[iu[1]],
            "observed": observed_pairs,
            "expected": per_pair.mean(axis=0),
            "p_value": p_pair,
            "q_value": q,
        }
    )
    table = table.sort_values(["q_value", "practice_a", "practice_b"]).reset_index(drop=True)
    hits = table[table["q_value"] < alpha]
    text = joined(
        t(
            "{n} of {total} practice pairs are co-adopted more often than the degree-preserving null allows at "
            "FDR {alpha:.0%}{strongest}.",
            n=len(hits),
            total=len(table),
            alpha=alpha,
            strongest=t(" (strongest: {a} with {b})", a=hits.iloc[0]["practice_a"], b=hits.iloc[0]["practice_b"])
            if len(hits)
            else "",
        ),
        t("Overall concentration of co-adoption p = {p:.3g}.", p=p),
    )
    return result(
        name,
        COADOPTION_Q,
        observed,
        dist,
        p,
        interpretation=text,
        details={"pairs": table.to_dict("records"), "alpha": alpha, "by": by},
        **opts,
        null_model=model,
    )
