"""Comparing regional adoption: macro-regions, provinces, or groups the user defines.

Units of comparison are the geography's units at one level (by default the level most cases sit
at: counties for the leading cases, prefectures for the pilot cities). Each unit belongs to a
group: its macro-region, its top-level unit (province), or the group a mapping file gives it or
one of its ancestors. Every rate is shown with its denominator, the number of units of the level
in the group — the population at risk, adopters or not.

Adoption without a known time counts in rates and breadth; it is left out of everything that
depends on time (earliness, curves, leaders and followers).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from diffusion.checks import Seed, as_generator, check_choice, check_draws, resolve_seed
from diffusion.data.dataset import Dataset
from diffusion.data.io import read_table
from diffusion.data.periods import period_labels
from diffusion.data.places import resolver_for
from diffusion.data.problems import Closest
from diffusion.errors import DiffusionError, ParameterError, ValidationError, problem
from diffusion.i18n import messages, region_name, t
from diffusion.measures.innovativeness import order_scores
from diffusion.stats.inference import p_value, permutation_test, result
from diffusion.stats.nulls import permute_within

__all__ = [
    "adoption_matrix",
    "assign_groups",
    "bootstrap_ci",
    "compare_groups",
    "default_level",
    "leaders_followers",
    "unit_table",
]


def default_level(ds: Dataset) -> str:
    """The geography level at which most adopting units sit (ties: the deeper level)."""
    levels = ds.geography.levels
    counts = ds.cases.drop_duplicates("case_id")["unit_level"].value_counts()
    in_geo = [
        (
            counts.get(lvl, 0)
            + (counts[[s for s in ds.geography.sub_levels if s in counts]].sum() if lvl == levels[-1] else 0),
            k,
            lvl,
        )
        for k, lvl in enumerate(levels)
    ]
    return max(in_geo)[2]


def covariate_groups(ds: Dataset, by: str, units: pd.Index) -> pd.Series:
    """Terciles of a covariate (``covariate:NAME`` or ``covariate:NAME:YEAR``): low, middle, high.

    Each unit takes its own value or its nearest ancestor's (counted in a warning); units without
    either get no group. Cut points are the terciles over the units of the level.
    """
    _, name, *rest = by.split(":")
    if ds.covariates is None:
        raise ParameterError("by", f"`by` {by!r} needs covariates; give a covariate file (`covariates`).")
    year = int(rest[0]) if rest and rest[0].isdigit() else None
    values, inherited = ds.covariates.for_units(name, units, ds.geography, year=year)
    if inherited:
        warnings.warn(f"{inherited} of {len(units)} units take {name} from a unit above them.", stacklevel=3)
    known = values.dropna()
    if known.nunique() < 3:
        raise ParameterError("by", f"`by` {by!r}: fewer than 3 distinct values of {name} among the units.")
    low, high = np.quantile(known, [1 / 3, 2 / 3])
    cut = [f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}" for x in (low, high)]
    labels = np.select(
        [values <= low, values <= high, values > high],
        [f"{name} low (≤ {cut[0]})", f"{name} middle (≤ {cut[1]})", f"{name} high (> {cut[1]})"],
        default="",
    )
    return pd.Series(labels, index=units, name="group").replace("", np.nan)


def assign_groups(ds: Dataset, by: str | Path, level: str) -> pd.Series:
    """Group of every unit of ``level``: "macro-region", "province" (the top level) or a mapping CSV.

    The mapping file has a ``unit`` column (a name, code or "湖南省新化县"-style path, at any level)
    and a ``group`` column; a unit takes the group of itself or of its nearest mapped ancestor.
    Units no group covers get no group (NaN) and are left out of comparisons.
    """
    geo = ds.geography
    units = geo.level_units(level).index
    top = geo.levels[0]
    if by == "macro-region":
        return pd.Series(
            [geo.macro_region(geo.ancestor_at(u, top) or u) or np.nan for u in units], index=units, name="group"
        )
    if by in ("province", top):
        return pd.Series([geo.label(geo.ancestor_at(u, top) or u, "zh") for u in units], index=units, name="group")
    if str(by).startswith("covariate:"):
        return covariate_groups(ds, str(by), units)
    table = read_table(by)
    df = table.frame
    failures = []
    if not {"unit", "group"} <= set(df.columns):
        raise ValidationError(
            [
                problem(
                    table.path,
                    1,
                    "unit, group",
                    "",
                    t("missing required column"),
                    t("columns unit, group; found {found}", found=list(df.columns)),
                    t("name the columns unit and group"),
                )
            ],
            source=table.path,
        )
    resolver, closest = resolver_for(geo), Closest()
    mapped: dict[str, str] = {}
    for row, unit, group in zip(table.rows, df["unit"], df["group"]):
        res = resolver.resolve(unit)
        code = res.code or ""  # set whenever the status is "ok"
        if res.status != "ok":
            hint = "; ".join(map(resolver.describe, res.candidates)) or closest(resolver.suggest, res)
            failures.append(
                problem(
                    table.path,
                    row,
                    "unit",
                    unit,
                    t("ambiguous place name") if res.status == "ambiguous" else t("unknown place"),
                    t("one unit; candidates: {places}", places=hint),
                    t("write the unit with its province, or its code"),
                )
            )
        elif not group:
            failures.append(problem(table.path, row, "group", "", t("empty group"), t("a group name"), t("fill it in")))
        elif mapped.get(code, group) != group:
            failures.append(
                problem(
                    table.path,
                    row,
                    "group",
                    group,
                    t("unit already in group '{group}'", group=mapped[code]),
                    t("one group per unit"),
                    t("remove one of the rows"),
                )
            )
        else:
            mapped[code] = group
    if failures:
        raise ValidationError(failures, source=table.path)
    groups = [next((mapped[c] for c in (u, *geo.ancestors(u)) if c in mapped), np.nan) for u in units]
    return pd.Series(groups, index=units, name="group")


def unit_table(ds: Dataset, level: str) -> pd.DataFrame:
    """Per unit of ``level``: practices adopted (any time) and first period of each (timed only)."""
    geo = ds.geography
    where, codes = pd.factorize(ds.events["geo_code"])  # each unit looked up once
    ev = ds.events.assign(unit=np.asarray(geo.ancestors_at(codes.tolist(), level), dtype=object)[where])
    ev = ev[ev["unit"] != ""]
    first = ev.groupby(["unit", "practice"], sort=True)["period"].min().reset_index()
    return first


def adoption_matrix(ds: Dataset, groups: pd.Series, level: str) -> pd.DataFrame:
    """Group x practice x period: cumulative adopting units, new ones, the denominator and the rate.

    ``units`` is the number of units of ``level`` in the group; ``rate`` = adopters / units. A row
    with ``batch`` NaN counts every adoption, timed or not.
    """
    first = unit_table(ds, level).assign(group=lambda d: d["unit"].map(groups)).dropna(subset=["group"])
    denominators = groups.dropna().value_counts()
    periods = period_labels(ds)["period"].astype(int).tolist()
    keys = ["group", "practice"]
    every = first.groupby(keys, sort=True)["unit"].nunique()  # adopters at any time, timed or not
    timed = first.dropna(subset=["period"]).astype({"period": int})
    new = timed.groupby([*keys, "period"]).size().unstack("period", fill_value=0)
    new = new.reindex(index=every.index, columns=periods, fill_value=0).to_numpy()
    # Each (group, practice): one row per period, then the all-time row (batch NaN).
    width = len(periods) + 1
    out = pd.DataFrame(
        {
            "group": np.repeat(every.index.get_level_values("group").to_numpy(), width),
            "practice": np.repeat(every.index.get_level_values("practice").to_numpy(), width),
            "batch": np.tile([*periods, np.nan], len(every)),
            "new": np.column_stack([new, np.full(len(every), np.nan)]).ravel(),
            "adopters": np.column_stack([new.cumsum(axis=1), every.to_numpy()]).ravel(),
        }
    )
    out["units"] = out["group"].map(denominators).astype(int)
    out["rate"] = out["adopters"] / out["units"]
    out["batch"] = out["batch"].astype("Int64")
    return out


def bootstrap_ci(values: np.ndarray, stat=np.mean, *, n_boot: int = 999, seed: Seed = 0, level: float = 0.95) -> tuple:
    """Percentile bootstrap interval of ``stat`` over ``values`` (resampled with replacement).

    Examples
    --------
    >>> lo, hi = bootstrap_ci(np.r_[np.zeros(70), np.ones(30)], seed=1)
    >>> bool(lo < 0.3 < hi)
    True
    """
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return (np.nan, np.nan)
    rng = as_generator(seed)
    idx = rng.integers(0, len(values), size=(n_boot, len(values)))
    stats_ = np.apply_along_axis(stat, 1, values[idx]) if stat is not np.mean else values[idx].mean(axis=1)
    a = (1 - level) / 2
    return tuple(float(q) for q in np.quantile(stats_, [a, 1 - a]))


def _unit_measures(ds: Dataset, groups: pd.Series, level: str) -> pd.DataFrame:
    """Per unit in a group: adopted (any practice, any time), breadth, and earliness.

    Earliness of a unit is the mean over its timed practices (those with two or more adopting
    units) of 1 minus the share of the practice's other adopters that adopted strictly earlier.
    """
    first = unit_table(ds, level)
    units = groups.dropna().index
    timed = first.dropna(subset=["period"]).rename(columns={"unit": "region"})
    scores = order_scores(timed, units, min_adopters=2)
    adopted = timed.assign(yes=True).pivot_table(index="region", columns="practice", values="yes", aggfunc="any")
    own = scores.where(adopted.reindex(index=units, columns=scores.columns).fillna(False).astype(bool))
    earliness = (1 - own).mean(axis=1) if not scores.empty else pd.Series(np.nan, index=units)
    breadth = first.groupby("unit")["practice"].nunique().reindex(units, fill_value=0)
    return pd.DataFrame(
        {"group": groups.dropna(), "adopted": (breadth > 0).astype(float), "breadth": breadth, "earliness": earliness}
    )


COMPARE_METRICS = {
    "adoption_rate": ("adopted", t("Share of units that adopted any practice")),
    "breadth": ("breadth", t("Mean number of practices per unit (non-adopters count as 0)")),
    "earliness": ("earliness", t("Mean earliness of adopting units (1 = first adopter of every practice)")),
}


def compare_groups(
    ds: Dataset,
    by: str | Path = "macro-region",
    *,
    level: str | None = None,
    strata: str | None = None,
    n_boot: int = 999,
    n_permutations: int = 999,
    seed: Seed = 0,
    progress: bool | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per group: units, adopters, adoption rate, breadth, earliness with bootstrap 95 % intervals;
    and for each measure a permutation test of the differences between groups.

    Parameters
    ----------
    by : "macro-region", "province" or a mapping CSV path
    level : str, optional
        Level of the units compared (default: :func:`default_level`).
    strata : {None, "province"}
        Permute group labels within provinces (for groups that cut across provinces).

    Returns
    -------
    (groups, tests): ``groups`` has one row per group and measure (``value, lower, upper, units``);
    ``tests`` one row per measure (``statistic`` = between-group sum of squares of means weighted
    by group size, ``p_value``, ``effect`` = eta squared, ``interpretation``).
    """
    seed = resolve_seed(seed)
    check_choice("strata", strata, (None, "province"))
    n_boot, n_permutations = check_draws("n_boot", n_boot), check_draws("n_permutations", n_permutations)
    level = level or default_level(ds)
    groups = assign_groups(ds, by, level)
    units = _unit_measures(ds, groups, level)
    if units["group"].nunique() < 2:
        raise DiffusionError(f"comparison needs at least two groups with units at level '{level}'.")
    rows: list[dict] = []
    for name, (col, _) in COMPARE_METRICS.items():
        for k, (group, g) in enumerate(units.groupby("group", sort=True)):
            values = g[col].dropna().to_numpy()
            lo, hi = bootstrap_ci(values, n_boot=n_boot, seed=np.random.default_rng([seed, k, len(rows)]))
            rows.append(
                {
                    "group": group,
                    "measure": name,
                    "value": float(values.mean()) if len(values) else np.nan,
                    "lower": lo,
                    "upper": hi,
                    "n": len(values),
                    "units": len(g),
                    "adopters": int(g["adopted"].sum()),
                }
            )
    table = pd.DataFrame(rows)
    tests = []
    top = ds.geography.levels[0]
    for name, (col, description) in COMPARE_METRICS.items():
        sub = units.dropna(subset=[col])
        labels = pd.factorize(sub["group"], sort=True)[0]
        values = sub[col].to_numpy(dtype=float)
        if len(set(labels)) < 2 or len(values) < 3:
            continue
        strata_codes = (
            np.zeros(len(values))
            if strata is None
            else pd.factorize(pd.Series(sub.index).map(lambda u: ds.geography.ancestor_at(u, top) or u))[0]
        )
        observed = float(_between_ss(values, labels[None, :])[0])

        def batch(rng, k, values=values, labels=labels, strata_codes=strata_codes):
            return _between_ss(values, permute_within(labels, strata_codes, rng, k))

        p, null = permutation_test(
            observed, batch, n_permutations=n_permutations, alternative="greater", seed=seed, progress=progress
        )
        total = float(((values - values.mean()) ** 2).sum())
        eta2 = observed / total if total else np.nan
        best = table[table["measure"] == name].sort_values("value", ascending=False).iloc[0]
        text = t(
            "{measure}: highest in {group} ({value:.3g}); groups explain {eta2:.0%} of the variation between units "
            "(p = {p:.3g}, {n} permutations{within}).",
            measure=description,
            group=region_name(best["group"]),
            value=best["value"],
            eta2=eta2,
            p=p,
            n=n_permutations,
            within=t(", within provinces") if strata else "",
        )
        res = result(
            f"compare-{name}",
            t("Do groups differ in: {measure}?", measure=description),
            observed,
            null,
            p,
            n_permutations=n_permutations,
            alternative="greater",
            seed=seed,
            null_model=t("group labels permuted among units within provinces")
            if strata
            else t("group labels permuted among units"),
            interpretation=text,
        )
        tests.append(
            {
                "measure": name,
                "statistic": observed,
                "p_value": p,
                "effect": eta2,
                "interpretation": text,
                "null_model": res.null_model,
            }
        )
    tests_table = pd.DataFrame(tests)
    for column in ("interpretation", "null_model"):  # messages, translated in reports
        if column in tests_table:
            tests_table[column] = messages((row[column] for row in tests), tests_table.index)
    return table, tests_table


def _between_ss(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Between-group sum of squares for each row of group labels (k x n)."""
    labels = np.atleast_2d(labels)
    n_groups = labels.max() + 1
    grand = values.mean()
    out = np.zeros(labels.shape[0])
    for g in range(n_groups):
        mask = labels == g
        n = mask.sum(axis=1)
        means = np.where(n > 0, (mask * values).sum(axis=1) / np.maximum(n, 1), grand)
        out += n * (means - grand) ** 2
    return out


def leaders_followers(
    ds: Dataset,
    groups: pd.Series,
    level: str,
    *,
    n_permutations: int = 999,
    seed: Seed = 0,
    progress: bool | None = None,
) -> pd.DataFrame:
    """How often one group's first adoption of a practice precedes another's, over shared practices.

    Per ordered pair: ``leads`` (practices A adopted strictly before B), ``follows`` (B before A),
    ``net`` = leads − follows, and a two-sided permutation p-value of ``net`` under adoption times
    permuted among each practice's adopting groups, with Benjamini–Hochberg q-values.
    """
    from scipy import stats

    seed = resolve_seed(seed)
    first = unit_table(ds, level).assign(group=lambda d: d["unit"].map(groups)).dropna(subset=["group", "period"])
    g = first.groupby(["practice", "group"], sort=True)["period"].min().reset_index()
    names = sorted(g["group"].unique())
    index = {n: i for i, n in enumerate(names)}
    gi = g["group"].map(index).to_numpy()
    pr = pd.factorize(g["practice"])[0]
    t = g["period"].to_numpy(dtype=float)
    pairs = np.array([(a, b) for a in range(len(names)) for b in range(a + 1, len(names))])
    if len(pairs) == 0:
        return pd.DataFrame(columns=["leader", "follower", "leads", "follows", "net", "p_value", "q_value"])

    def lead_counts(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Net leads of a over b for every pair (k x pairs), and the k x groups x groups lead counts.

        Each practice has at most one adoption per group: a k x practices x groups table of times
        (inf: not adopted) gives the leads by comparing columns, with no adoptions x adoptions matrix.
        """
        m = np.empty((len(times), len(names), len(names)))
        step = max(1, 2**24 // (pr.max() + 1) // len(names) ** 2)  # draws per block: ~16M comparisons
        for start in range(0, len(times), step):
            block = times[start : start + step]
            table = np.full((len(block), pr.max() + 1, len(names)), np.inf)
            table[:, pr, gi] = block
            earlier = (table[:, :, :, None] < table[:, :, None, :]) & np.isfinite(table[:, :, None, :])
            m[start : start + step] = earlier.sum(axis=1)
        return m[:, pairs[:, 0], pairs[:, 1]] - m[:, pairs[:, 1], pairs[:, 0]], m

    net_obs, m_obs = lead_counts(t[None, :])

    def batch(rng, k):
        net, _ = lead_counts(permute_within(t, pr, rng, k))
        return np.column_stack([np.abs(net).sum(axis=1), net])

    _, draws = permutation_test(
        float(np.abs(net_obs).sum()), batch, n_permutations=n_permutations, seed=seed, progress=progress
    )
    p = p_value(net_obs[0], draws[:, 1:], "two-sided")
    out = pd.DataFrame(
        {
            "leader": [names[a] for a in pairs[:, 0]],
            "follower": [names[b] for b in pairs[:, 1]],
            "leads": m_obs[0, pairs[:, 0], pairs[:, 1]],
            "follows": m_obs[0, pairs[:, 1], pairs[:, 0]],
            "net": net_obs[0],
            "p_value": p,
        }
    )
    swap = out["net"] < 0  # show each pair with the group that leads first
    out.loc[swap, ["leader", "follower"]] = out.loc[swap, ["follower", "leader"]].to_numpy()
    out.loc[swap, ["leads", "follows"]] = out.loc[swap, ["follows", "leads"]].to_numpy()
    out["net"] = out["net"].abs()
    out["q_value"] = stats.false_discovery_control(out["p_value"].to_numpy(), method="bh")
    return out.sort_values(["q_value", "net", "leader"], ascending=[True, False, True]).reset_index(drop=True)
