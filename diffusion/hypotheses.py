"""Hypothesis tests on how practices spread, each with a null model that respects the hierarchy.

Every test returns a :class:`~diffusion.inference.TestResult`; when the data cannot support it
(too few adopters, a single period, no neighbours at the level) the result says so instead of
printing a number. Adoption here means the first period in which a region of the chosen level
(default: the top level, e.g. province) adopted a practice.

=================  ==========================================================================
test               question, statistic and null model
=================  ==========================================================================
``neighbour``      Did practices spread to neighbours of earlier adopters more than chance?
                   Share of adoptions whose region had a neighbour that adopted the same practice
                   in an earlier period. Null: adoption times permuted among each practice's
                   adopters ("times"), within practice x stratum ("strata": province or
                   macro-region of the top level), or random regions adopting with the same
                   number per period ("adopters").
``gradient``       East before Central before West? Jonckheere–Terpstra J over the ordered
                   macro-regions (pairs in which the earlier group adopted first, ties 1/2),
                   with pairwise Mann–Whitney comparisons. Null: region labels permuted among
                   each practice's adoptions.
``promotion``      Did the promoted practice gain more adoptions after its central promotion
                   than other practices did? Share of its adoptions on or after the promotion
                   date minus the same share for the other practices. Null: practice labels
                   permuted among adoptions.
``coadoption``     Do some practices travel together? Per practice pair, co-occurrence in cases
                   (or regions) against a degree-preserving curveball null (a global-trade
                   chain: burn-in of 10 trades a row, one trade a row between draws), with
                   Benjamini–Hochberg FDR over pairs; overall, the sum of squared co-occurrences.
``join-counts``    Are adopting regions clustered? Black–black joins (adjacent pairs both
                   adopting). Null: adoption permuted among the regions.
``moran``          Are adoption times spatially autocorrelated? Moran's I of the first adoption
                   period over adopting regions with adopting neighbours (row-standardised
                   weights). Null: times permuted among those regions.
=================  ==========================================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse, stats

from diffusion.dataset import Dataset
from diffusion.inference import TestResult, permutation_test, result, unsupported
from diffusion.innovativeness import first_adoptions
from diffusion.nulls import curveball, draw_adopters, permute_within

__all__ = [
    "TESTS",
    "coadoption_test",
    "gradient_test",
    "join_count_test",
    "macro_region_order",
    "moran_test",
    "neighbour_test",
    "promotion_test",
]


def _adoptions(ds: Dataset, level: str | None, practice: str | None) -> tuple[str, pd.DataFrame]:
    level = level or ds.geography.levels[0]
    first = first_adoptions(ds, level)
    if practice is not None:
        if practice not in set(ds.vocabulary.tags):
            raise ValueError(f"unknown practice {practice!r}; known: {', '.join(ds.vocabulary.tags)}")
        first = first[first["practice"] == practice]
    return level, first.sort_values(["practice", "region"]).reset_index(drop=True)


def _graph_arrays(ds: Dataset, level: str) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """Population units of the level and directed edge arrays (both directions), or None without neighbours."""
    geo = ds.geography
    if geo.adjacency.empty or geo.neighbour_level != level:
        return None
    units, pairs = geo.neighbour_pairs(level)
    src = np.concatenate([pairs[:, 0], pairs[:, 1]])
    dst = np.concatenate([pairs[:, 1], pairs[:, 0]])
    return units, src, dst


def _common(n_permutations: int, alternative: str, seed: int | None, null_model: str) -> dict:
    return {"n_permutations": n_permutations, "alternative": alternative, "seed": seed, "null_model": null_model}


# -- neighbour contagion ----------------------------------------------------------------------
NEIGHBOUR_Q = "Did practices spread to neighbours of earlier adopters more than chance would have it?"


def neighbour_test(
    ds: Dataset,
    *,
    practice: str | None = None,
    level: str | None = None,
    null: str = "times",
    strata: str = "macro_region",
    n_permutations: int = 999,
    alternative: str = "greater",
    seed: int | None = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TestResult:
    """Neighbour (contagion) effect: share of adoptions with an adjacent earlier adopter.

    Parameters
    ----------
    null : {"times", "strata", "adopters"}
        Permute adoption times among each practice's adopters; within practice x ``strata``; or
        draw which regions adopt, keeping the number of adopters per period.
    strata : {"macro_region", "province"}
        Strata for ``null="strata"`` ("province": the top level's units; meaningful below it).

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> r = neighbour_test(load_dataset("broadband-china"), n_permutations=99, progress=False)
    >>> r.supported, 0 < r.p_value <= 1
    (True, True)
    """
    level, first = _adoptions(ds, level, practice)
    name, model = (
        "neighbour",
        {
            "times": "adoption times permuted among each practice's adopters",
            "strata": f"adoption times permuted within practice x {strata}",
            "adopters": "random regions adopt, same number per period",
        }.get(null),
    )
    if model is None:
        raise ValueError(
            f"The value for `null` must be one of ['times', 'strata', 'adopters'], but {null!r} was passed."
        )
    arrays = _graph_arrays(ds, level)
    if arrays is None:
        return unsupported(
            name,
            NEIGHBOUR_Q,
            f"the geography gives no neighbours at level '{level}' "
            f"(they are at level '{ds.geography.neighbour_level}')",
            null_model=model,
        )
    units, src, dst = arrays
    index = {u: i for i, u in enumerate(units)}
    first = first[first["region"].isin(index)]
    if len(first) < 3 or first["period"].nunique() < 2:
        return unsupported(
            name,
            NEIGHBOUR_Q,
            f"{len(first)} adoption(s) in {first['period'].nunique()} period(s); "
            "at least 3 adoptions over 2 periods are needed",
            null_model=model,
        )
    u = first["region"].map(index).to_numpy()
    t = first["period"].to_numpy(dtype=float)
    pr = pd.factorize(first["practice"])[0]
    share = EarlierNeighbourShare(*adjacent_adoptions(u, pr, src, dst, len(units)), len(t))
    small = t.astype(np.min_scalar_type(int(t.max())))  # periods as uint8/uint16: less memory to move

    def stat(times: np.ndarray) -> np.ndarray:
        return share(np.ascontiguousarray(times.T))

    observed = float(stat(t[None, :])[0])
    if null == "adopters":
        counts = [(np.flatnonzero(pr == p), t[pr == p]) for p in np.unique(pr)]

        def batch(rng, k):
            hits = np.zeros(k)
            for _, periods in counts:
                full = draw_adopters(len(units), periods, rng, k)
                earlier = (full[:, dst] < full[:, src]).astype(float)  # dst adopted before src
                has = sparse.csr_matrix((np.ones(len(src)), (np.arange(len(src)), src)), shape=(len(src), len(units)))
                hits += ((np.asarray(earlier @ has) > 0) & np.isfinite(full)).sum(axis=1)
            return hits / len(t)
    else:
        groups = pr if null == "times" else _strata_groups(ds, first, pr, strata)

        step = max(1, min(64, 2**24 // len(t)))  # draws per block: ~16M cells, and cache-sized gathers

        def batch(rng, k):
            return np.concatenate(
                [stat(permute_within(small, groups, rng, min(step, k - s))) for s in range(0, k, step)]
            )

    p, dist = permutation_test(
        observed,
        batch,
        n_permutations=n_permutations,
        alternative=alternative,
        seed=seed,
        n_jobs=n_jobs,
        progress=progress,
    )
    share = f"{observed:.1%} of {len(t)} adoptions had a neighbour that adopted the same practice earlier"
    text = f"{share}, against {dist.mean():.1%} expected by chance (p = {p:.3g}). " + (
        "Adoption clusters next to earlier adopters beyond chance."
        if p < 0.05
        else "That is within what chance produces."
    )
    return result(
        name,
        NEIGHBOUR_Q,
        observed,
        dist,
        p,
        interpretation=text,
        details={"adoptions": len(t), "level": level, "null": null},
        **_common(n_permutations, alternative, seed, model),
    )


def adjacent_adoptions(
    units: np.ndarray, practices: np.ndarray, src: np.ndarray, dst: np.ndarray, n_units: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (i, j) of adoptions of one practice at adjacent units (j could have taught i), sorted by i.

    ``units`` and ``practices`` give each adoption's unit index and practice code; ``src, dst``
    are the directed adjacency edges. Vectorised: each adoption's neighbours are looked up among
    the sorted (practice, unit) keys of all adoptions.

    Examples
    --------
    >>> adjacent_adoptions(np.array([0, 1, 2, 1]), np.array([0, 0, 0, 1]), np.array([0, 1]), np.array([1, 2]), 3)
    (array([0, 1]), array([1, 2]))
    """
    adj = sparse.csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n_units, n_units))
    counts = np.diff(adj.indptr)[units]
    owner = np.repeat(np.arange(len(units)), counts)
    offset = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    neighbour = adj.indices[np.repeat(adj.indptr[units], counts) + offset]
    keys = practices.astype(np.int64) * n_units + units
    order = np.argsort(keys, kind="stable")
    wanted = practices[owner].astype(np.int64) * n_units + neighbour
    pos = np.minimum(np.searchsorted(keys[order], wanted), len(keys) - 1)
    found = keys[order][pos] == wanted
    return owner[found], order[pos[found]]


class EarlierNeighbourShare:
    """Share of adoptions with an adjacent adopter of the same practice in an earlier period.

    Called on an (adoptions x draws) array of periods, it returns one share per draw. Adoptions
    are ordered by how many adjacent co-adopters they have, so that the running minimum over
    neighbours is a few whole-array steps (one per neighbour rank) rather than a loop.

    Examples
    --------
    >>> share = EarlierNeighbourShare(np.array([0, 1]), np.array([1, 0]), 3)
    >>> share(np.array([[1, 2], [2, 1], [1, 1]])).tolist()  # adoptions 0 and 1 are neighbours
    [0.3333333333333333, 0.3333333333333333]
    """

    def __init__(self, ii: np.ndarray, jj: np.ndarray, n: int):
        owners, starts, counts = np.unique(ii, return_index=True, return_counts=True)
        by_degree = np.argsort(-counts, kind="stable")
        self.owners, starts, counts = owners[by_degree], starts[by_degree], counts[by_degree]
        self.columns = [jj[starts[counts > d] + d] for d in range(counts.max(initial=0))]
        self.n = n

    def __call__(self, times: np.ndarray) -> np.ndarray:
        if not self.columns:
            return np.zeros(times.shape[1])
        # np.take copies whole rows at once: ~10x faster here than fancy indexing.
        earliest = np.take(times, self.columns[0], axis=0)
        for nb in self.columns[1:]:
            np.minimum(earliest[: len(nb)], np.take(times, nb, axis=0), out=earliest[: len(nb)])
        return (earliest < np.take(times, self.owners, axis=0)).sum(axis=0) / self.n


def _strata_groups(ds: Dataset, first: pd.DataFrame, pr: np.ndarray, strata: str) -> np.ndarray:
    geo = ds.geography
    top = geo.levels[0]
    tops = first["region"].map(lambda c: geo.ancestor_at(c, top) or c)
    if strata == "macro_region":
        key = tops.map(geo.macro_region)
    elif strata == "province":
        key = tops
    else:
        raise ValueError(f"The value for `strata` must be 'macro_region' or 'province', but {strata!r} was passed.")
    return pd.factorize(pd.Series(pr).astype(str) + "|" + key.to_numpy())[0]


# -- east-to-west gradient ----------------------------------------------------------------------
GRADIENT_Q = "Did practices reach the East before the Centre, and the Centre before the West?"


def macro_region_order(order=("East", "Central", "West"), northeast: str = "exclude") -> dict[str, int]:
    """Rank of each macro-region in the ordered alternative; Northeast joins a group or is left out."""
    ranks = {g: k for k, g in enumerate(order)}
    if northeast in ranks:
        ranks["Northeast"] = ranks[northeast]
    elif northeast != "exclude":
        raise ValueError(
            f"The value for `northeast` must be 'exclude' or one of {list(order)}, but {northeast!r} was passed."
        )
    return ranks


def _jonckheere(times: np.ndarray, ranks: np.ndarray) -> np.ndarray:
    """J for each row of ``ranks`` (k x n): pairs with a lower-ranked group adopting earlier, ties 1/2.

    Counted from each row's group x period table, O(n) a row: no n x n matrix of pairs.

    Examples
    --------
    >>> _jonckheere(np.array([1, 2, 2]), np.array([[0, 1, 1], [1, 0, 1]])).tolist()  # 1 + 1; then a tie: 0.5
    [2.0, 0.5]
    """
    _, t = np.unique(times, return_inverse=True)
    groups, g = np.unique(ranks.ravel(), return_inverse=True)
    k, n_groups, n_times = len(ranks), len(groups), int(t.max()) + 1
    cell = (np.arange(k)[:, None] * n_groups + g.reshape(ranks.shape)) * n_times + t[None, :]
    table = np.bincount(cell.ravel(), minlength=k * n_groups * n_times).reshape(k, n_groups, n_times)
    later = table[:, :, ::-1].cumsum(axis=2)[:, :, ::-1] - table  # members of a group with a later time
    out = np.zeros(k)
    for a in range(n_groups):
        for b in range(a + 1, n_groups):
            out += (table[:, a, :] * (later[:, b, :] + 0.5 * table[:, b, :])).sum(axis=1)
    return out


def gradient_test(
    ds: Dataset,
    *,
    practice: str | None = None,
    order: tuple[str, ...] = ("East", "Central", "West"),
    northeast: str = "exclude",
    n_permutations: int = 999,
    alternative: str = "greater",
    seed: int | None = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TestResult:
    """Ordered east-to-west gradient in adoption timing (Jonckheere–Terpstra, permutation p).

    Adoptions are each practice's first adoption in each top-level region; the macro-region of
    the region is its group. Pairwise Mann–Whitney tests (one-sided, the earlier-ranked group
    adopting earlier) are in ``details["pairwise"]``.
    """
    name, model = "gradient", "macro-region labels permuted among each practice's adoptions"
    geo = ds.geography
    level, first = _adoptions(ds, None, practice)
    ranks_of = macro_region_order(order, northeast)
    first = first.assign(group=first["region"].map(geo.macro_region))
    first = first[first["group"].isin(ranks_of)].reset_index(drop=True)
    present = sorted(set(first["group"]), key=ranks_of.get)
    if len({ranks_of[g] for g in present}) < 2 or first["period"].nunique() < 2:
        return unsupported(
            name,
            GRADIENT_Q,
            f"adoptions in {len(present)} ordered group(s) over "
            f"{first['period'].nunique()} period(s); at least 2 of each are needed",
            null_model=model,
        )
    t = first["period"].to_numpy(dtype=float)
    g = first["group"].map(ranks_of).to_numpy()
    pr = pd.factorize(first["practice"])[0]
    observed = float(_jonckheere(t, g[None, :])[0])

    def batch(rng, k):
        return _jonckheere(t, permute_within(g, pr, rng, k))

    p, dist = permutation_test(
        observed,
        batch,
        n_permutations=n_permutations,
        alternative=alternative,
        seed=seed,
        n_jobs=n_jobs,
        progress=progress,
    )
    pairwise = []
    for a in range(len(order)):
        for b in range(a + 1, len(order)):
            xa, xb = t[g == a], t[g == b]
            if len(xa) and len(xb):
                u = stats.mannwhitneyu(xb, xa, alternative="greater")  # U = pairs with a earlier, ties 1/2
                pairwise.append(
                    {
                        "earlier": order[a],
                        "later": order[b],
                        "n_earlier": len(xa),
                        "n_later": len(xb),
                        "U": float(u.statistic),
                        "p_earlier_first": float(u.statistic / (len(xa) * len(xb))),
                        "p_value": float(u.pvalue),
                    }
                )
    pairs = sum(r["n_earlier"] * r["n_later"] for r in pairwise)  # cross-group pairs compared
    text = (
        f"In {observed / pairs:.0%} of cross-region pairs the region earlier in {' > '.join(order)} adopted first "
        f"(chance: {dist.mean() / pairs:.0%}; p = {p:.3g}). "
        + ("The ordered gradient holds beyond chance." if p < 0.05 else "No ordered gradient beyond chance.")
    )
    return result(
        name,
        GRADIENT_Q,
        observed,
        dist,
        p,
        interpretation=text,
        details={"pairwise": pairwise, "order": list(order), "northeast": northeast, "level": level},
        **_common(n_permutations, alternative, seed, model),
    )


# -- top-down promotion ---------------------------------------------------------------------------
PROMOTION_Q = "Did the practice gain more adoptions after its central promotion than other practices did?"


def promotion_test(
    ds: Dataset,
    *,
    practice: str,
    date: str | None = None,
    n_permutations: int = 999,
    alternative: str = "greater",
    seed: int | None = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TestResult:
    """Top-down promotion: share of adoptions on or after the promotion date, promoted practice vs others.

    ``date`` defaults to the practice's first dated promotion event. Adoptions are each adopting
    unit's first adoption of each practice (units at any level).
    """
    name, model = "promotion", "practice labels permuted among adoptions"
    if date is None:
        events = ds.promotion_events
        mine = None if events is None else events[events["practices"].str.split(";").apply(lambda t: practice in t)]
        if mine is None or mine.empty:
            return unsupported(
                name, PROMOTION_Q, f"no dated promotion event of '{practice}'; give --date", null_model=model
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
            f"needs adoptions of '{practice}' and of other practices on both sides "
            f"of {date} ({after.sum()} after, {(~after).sum()} before)",
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
        n_permutations=n_permutations,
        alternative=alternative,
        seed=seed,
        n_jobs=n_jobs,
        progress=progress,
    )
    share_p = after[promoted].mean()
    share_o = after[~promoted].mean()
    text = (
        f"{share_p:.0%} of the adoptions of '{practice}' came on or after its promotion ({date}), against "
        f"{share_o:.0%} of the other practices' (difference {observed:+.0%}, p = {p:.3g}). "
        + ("Adoption rose after promotion beyond chance." if p < 0.05 else "Within what chance produces.")
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
        **_common(n_permutations, alternative, seed, model),
    )


# -- co-adoption ------------------------------------------------------------------------------------
COADOPTION_Q = "Do some practices travel together, adopted by the same cases more often than chance?"


def coadoption_test(
    ds: Dataset,
    *,
    by: str = "case",
    n_permutations: int = 199,
    alpha: float = 0.05,
    seed: int | None = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TestResult:
    """Practice pairs co-adopted beyond a degree-preserving (curveball) null, with BH FDR over pairs."""
    name, model = "coadoption", f"curveball rewiring of the {by} x practice matrix (degrees kept)"
    if by == "case":
        pairs = ds.cases[["case_id", "practices"]].assign(practice=lambda d: d["practices"].str.split(";"))
        pairs = pairs.explode("practice").rename(columns={"case_id": "member"})
    elif by == "region":
        pairs = first_adoptions(ds).rename(columns={"region": "member"})
    else:
        raise ValueError(f"The value for `by` must be 'case' or 'region', but {by!r} was passed.")
    pairs = pairs[["member", "practice"]].dropna().drop_duplicates()
    if pairs["practice"].nunique() < 2 or (pairs["member"].value_counts() > 1).sum() < 2:
        return unsupported(name, COADOPTION_Q, "fewer than two members with two or more practices", null_model=model)
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
        n_permutations=n_permutations,
        alternative="greater",
        seed=seed,
        n_jobs=n_jobs,
        progress=progress,
    )
    dist = draws[:, 0]
    per_pair = draws[:, 1:]
    p_pair = (np.sum(per_pair >= observed_pairs[None, :] - 1e-9, axis=0) + 1) / (len(per_pair) + 1)
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
    text = (
        f"{len(hits)} of {len(table)} practice pairs are co-adopted more often than the degree-preserving null "
        f"allows at FDR {alpha:.0%}"
        + (f" (strongest: {hits.iloc[0]['practice_a']} with {hits.iloc[0]['practice_b']})." if len(hits) else ".")
        + f" Overall concentration of co-adoption p = {p:.3g}."
    )
    return result(
        name,
        COADOPTION_Q,
        observed,
        dist,
        p,
        interpretation=text,
        details={"pairs": table.to_dict("records"), "alpha": alpha, "by": by},
        **_common(n_permutations, "greater", seed, model),
    )


# -- spatial clustering ------------------------------------------------------------------------------
JOIN_Q = "Are adopting regions next to each other more often than chance?"
MORAN_Q = "Are adoption times alike among neighbouring regions?"


def _binary_weights(ds: Dataset, level: str) -> tuple[list[str], sparse.csr_matrix] | None:
    arrays = _graph_arrays(ds, level)
    if arrays is None:
        return None
    units, src, dst = arrays
    return units, sparse.csr_matrix((np.ones(len(src)), (src, dst)), shape=(len(units), len(units)))


def join_count_test(
    ds: Dataset,
    *,
    practice: str | None = None,
    level: str | None = None,
    n_permutations: int = 999,
    alternative: str = "greater",
    seed: int | None = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TestResult:
    """Join counts on the neighbour graph: BB joins of adopting regions (adopted ``practice``, or any)."""
    name, model = "join-counts", "adoption permuted among the regions"
    level, first = _adoptions(ds, level, practice)
    w = _binary_weights(ds, level)
    if w is None:
        return unsupported(name, JOIN_Q, f"the geography gives no neighbours at level '{level}'", null_model=model)
    units, adj = w
    y = np.isin(units, first["region"]).astype(float)
    if y.sum() < 2 or y.sum() > len(y) - 2:
        return unsupported(
            name,
            JOIN_Q,
            f"{int(y.sum())} of {len(y)} regions adopted; the test needs at least two adopters and two non-adopters",
            null_model=model,
        )
    bb, bw, ww = join_counts(y, adj)

    def batch(rng, k):
        ys = permute_within(y, np.zeros(len(y)), rng, k)
        return 0.5 * np.asarray((ys @ adj.T) * ys).sum(axis=1)

    p, dist = permutation_test(
        bb, batch, n_permutations=n_permutations, alternative=alternative, seed=seed, n_jobs=n_jobs, progress=progress
    )
    text = f"{int(bb)} neighbouring pairs both adopted, against {dist.mean():.1f} expected by chance (p = {p:.3g})."
    return result(
        name,
        JOIN_Q,
        bb,
        dist,
        p,
        interpretation=text,
        details={"bb": bb, "bw": bw, "ww": ww, "adopters": int(y.sum()), "regions": len(y)},
        **_common(n_permutations, alternative, seed, model),
    )


def join_counts(y: np.ndarray, adj: sparse.spmatrix) -> tuple[float, float, float]:
    """BB, BW and WW join counts of a binary vector on a symmetric binary adjacency matrix."""
    y = np.asarray(y, dtype=float)
    bb = 0.5 * float(y @ (adj @ y))
    ww = 0.5 * float((1 - y) @ (adj @ (1 - y)))
    total = 0.5 * float(adj.sum())
    return bb, total - bb - ww, ww


def morans_i(values: np.ndarray, weights: sparse.spmatrix) -> np.ndarray:
    """Moran's I of each row of ``values`` with the given weights: (n / S0) z'Wz / z'z.

    Examples
    --------
    >>> w = sparse.csr_matrix(np.array([[0, 1, 0], [0.5, 0, 0.5], [0, 1, 0]]))
    >>> float(morans_i(np.array([[1.0, 3.0, 1.0]]), w)[0])  # alternating values on a path
    -1.0
    """
    z = np.atleast_2d(values) - np.atleast_2d(values).mean(axis=1, keepdims=True)
    n, s0 = z.shape[1], float(weights.sum())
    return (n / s0) * np.asarray((z @ weights.T) * z).sum(axis=1) / (z**2).sum(axis=1)


def moran_test(
    ds: Dataset,
    *,
    practice: str | None = None,
    level: str | None = None,
    n_permutations: int = 999,
    alternative: str = "greater",
    seed: int | None = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> TestResult:
    """Moran's I of the first adoption period among adopting regions with adopting neighbours."""
    name, model = "moran", "adoption times permuted among the adopting regions"
    level, first = _adoptions(ds, level, practice)
    w = _binary_weights(ds, level)
    if w is None:
        return unsupported(name, MORAN_Q, f"the geography gives no neighbours at level '{level}'", null_model=model)
    units, adj = w
    when = first.groupby("region")["period"].min()
    keep = np.flatnonzero(np.isin(units, when.index))
    sub = adj[keep][:, keep]
    keep = keep[np.asarray(sub.sum(axis=1)).ravel() > 0]  # islands have no neighbour to compare with
    sub = adj[keep][:, keep]
    if len(keep) < 4 or when.reindex([units[i] for i in keep]).nunique() < 2:
        return unsupported(
            name,
            MORAN_Q,
            f"{len(keep)} adopting regions with adopting neighbours; at least 4, "
            "adopting in 2 or more periods, are needed",
            null_model=model,
        )
    y = when.reindex([units[i] for i in keep]).to_numpy(dtype=float)
    row = sparse.diags(1 / np.asarray(sub.sum(axis=1)).ravel()) @ sub
    observed = float(morans_i(y[None, :], row)[0])

    def batch(rng, k):
        return morans_i(permute_within(y, np.zeros(len(y)), rng, k), row)

    p, dist = permutation_test(
        observed,
        batch,
        n_permutations=n_permutations,
        alternative=alternative,
        seed=seed,
        n_jobs=n_jobs,
        progress=progress,
    )
    text = (
        f"Moran's I of adoption time is {observed:.3f} over {len(y)} regions (chance: {dist.mean():.3f}; "
        f"p = {p:.3g}). " + ("Neighbours adopt at similar times." if p < 0.05 else "No spatial pattern in timing.")
    )
    return result(
        name,
        MORAN_Q,
        observed,
        dist,
        p,
        interpretation=text,
        details={"regions": len(y), "expected_I": -1 / (len(y) - 1)},
        **_common(n_permutations, alternative, seed, model),
    )


TESTS = {
    "neighbour": neighbour_test,
    "gradient": gradient_test,
    "promotion": promotion_test,
    "coadoption": coadoption_test,
    "join-counts": join_count_test,
    "moran": moran_test,
}
