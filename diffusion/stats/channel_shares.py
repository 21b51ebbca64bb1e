"""Channels of spread, per adoption: which routes were open when each unit took up a practice.

For every adoption (a unit's first case of a practice, at the unit's own level: village to
province) and the adoptions of the same practice in *earlier* periods:

- **top-down**: a unit containing it had adopted (its county, prefecture or province: an
  ancestor), or a dated central promotion of the practice came before the period began;
- **horizontal**: a neighbour had adopted (a unit in a region tied to its region at the level of
  the neighbour graph: the geography's adjacency, or the user's network, over the ties active
  then), or a peer (a unit inside the same parent, outside the unit itself: another county of
  its prefecture, another village of its county);
- **bottom-up**: a unit inside it had adopted (a county after its villages, a province after
  its counties);
- **none**: no route was open: a pioneer.

Several routes can be open at once. Each share is compared with its value under a null that
keeps each practice's adopters and their number per period but permutes their adoption periods
(the hierarchy and the graph stay as they are): the share expected by chance, its 95 % range,
and a two-sided permutation p-value. "Open" means possible, not proven: an open route is a
channel the practice could have travelled, and a share above chance says that adoptions
followed that route more often than timing alone would make them.

Units below the geography (townships, villages) lie inside their deepest known unit; nothing
is known to lie inside them. Adoptions without a period or outside the geography are left out
and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from diffusion.checks import Seed, check_choice
from diffusion.data.dataset import Dataset
from diffusion.data.periods import calendar_of
from diffusion.display import Card, Summarised
from diffusion.errors import DiffusionError
from diffusion.i18n import joined, level_name, t
from diffusion.stats.inference import p_value, permutation_options, permutation_test
from diffusion.stats.nulls import permute_within

__all__ = ["CHANNEL_NAMES", "MAIN_CHANNELS", "ROUTES", "ChannelShares", "adoption_channels", "route_pairs"]

NEVER = np.iinfo(np.int64).max - 1  # the period of "not before anything"

#: The channels, each main one followed by its parts: top-down by an ancestor's case or by a promotion,
#: horizontal by a neighbour or a peer.
CHANNEL_NAMES = ("top_down", "ancestor", "promotion", "horizontal", "neighbour", "peer", "bottom_up", "none")
MAIN_CHANNELS = ("top_down", "horizontal", "bottom_up", "none")
#: The exclusive route of an adoption, for stacked shares: one channel alone, several, or none.
ROUTES = ("top-down", "horizontal", "bottom-up", "several", "none")


@dataclass(frozen=True, repr=False)
class ChannelShares(Summarised):
    """Channels of every adoption and their shares against chance.

    Attributes
    ----------
    adoptions : pandas.DataFrame
        One row per adoption: ``practice, unit_id, unit_name, unit_level, period, date``, the
        flags ``ancestor, promotion, top_down, neighbour, peer, horizontal, bottom_up, none``,
        and ``route`` (one of :data:`ROUTES`).
    shares : pandas.DataFrame
        ``scope`` ("all", "practice" or "period"), ``group`` (the practice's tag or the period),
        ``channel``, ``adoptions``, ``observed`` share, ``expected`` (mean under the null),
        ``lower``/``upper`` (its 2.5 and 97.5 % quantiles) and a two-sided ``p_value``.
    coverage : str
        Which adoptions were used and which left out, in one sentence.
    graph : str
        The neighbour graph used ("" without one: horizontal then means peers only).
    null : str
        "times" or "strata" (see :func:`adoption_channels`).
    n_permutations, seed
        How the null was drawn.
    """

    adoptions: pd.DataFrame
    shares: pd.DataFrame
    coverage: str
    graph: str
    null: str
    n_permutations: int
    seed: int

    def card(self) -> Card:
        """Its summary (``repr`` and a notebook's display): the shares against chance, in sentences."""
        facts = (("adoptions", len(self.adoptions)), ("graph", self.graph or "none"), ("null", self.null))
        return Card("ChannelShares", (*facts, ("permutations", self.n_permutations)), tuple(self.describe()))

    def overall(self) -> pd.DataFrame:
        """The shares over all adoptions, one row per channel."""
        return self.shares[self.shares["scope"] == "all"].drop(columns=["scope", "group"]).reset_index(drop=True)

    def describe(self) -> list[str]:
        """Plain sentences: what was found, against chance."""
        out = [self.coverage]
        words = {
            "top_down": t("had a top-down route open"),
            "horizontal": t("had a horizontal route open"),
            "bottom_up": t("had a bottom-up route open"),
        }
        for row in self.overall().query("channel in @MAIN_CHANNELS").itertuples(index=False):
            verdict = (
                t("more than chance")
                if row.p_value < 0.05 and row.observed > row.expected
                else t("less than chance")
                if row.p_value < 0.05
                else t("within chance")
            )
            out.append(
                t(
                    "{share:.0%} of adoptions {what} (chance: {chance:.0%}, {low:.0%}–{high:.0%}; p = {p:.3g}): "
                    "{verdict}.",
                    share=row.observed,
                    what=words.get(row.channel, t("had no route open at all (pioneers)")),
                    chance=row.expected,
                    low=row.lower,
                    high=row.upper,
                    p=row.p_value,
                    verdict=verdict,
                )
            )
        return out


def adoption_channels(
    ds: Dataset,
    *,
    null: Literal["times", "strata"] = "times",
    n_permutations: int = 999,
    seed: Seed = 0,
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> ChannelShares:
    """Channels open at every adoption, and their shares overall, per practice and per period against chance.

    Parameters
    ----------
    ds : Dataset
    null : {"times", "strata"}
        Permute adoption periods among each practice's adopters, or among those in the same
        macro-region (where the regions adopt at different paces: an East-to-West gradient would
        otherwise put neighbours' adoptions before one another more often than chance).
    n_permutations : int
        Draws of the null.
    seed : int, Generator or None
        Seed of the null draws.
    n_jobs, progress
        Worker threads and progress bar of the permutation engine.

    Returns
    -------
    ChannelShares

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> ch = adoption_channels(load_dataset("leading-cases"), n_permutations=99, progress=False)
    >>> ch.overall()["channel"].tolist()
    ['top_down', 'ancestor', 'promotion', 'horizontal', 'neighbour', 'peer', 'bottom_up', 'none']
    """
    opts = permutation_options(n_permutations, "two-sided", seed)
    check_choice("null", null, ("times", "strata"))
    frame, left_out = _adoptions(ds)
    if frame.empty:
        raise DiffusionError("no adoption with a period and a place in the geography: there is no route to find.")
    routes = _Routes(ds, frame)
    times = frame["period"].to_numpy()
    observed = routes.flags(times)
    periods = np.sort(frame["period"].unique())
    practice = pd.factorize(frame["practice"], sort=True)[0]
    summarise = _Summary(practice, periods)
    obs = summarise(observed, times)
    groups = practice if null == "times" else pd.factorize(frame["practice"] + "|" + frame["macro_region"])[0]

    def batch(rng, k):
        draws = permute_within(times, groups, rng, k)
        return np.stack([summarise(routes.flags(d), d) for d in draws])

    _, draws = permutation_test(0.0, batch, **opts, n_jobs=n_jobs, progress=progress)
    flags = pd.DataFrame(observed)
    adoptions = pd.concat([frame.reset_index(drop=True), flags], axis=1)
    adoptions["route"] = _route(flags)
    shares = summarise.table(obs, draws, sorted(frame["practice"].unique()), frame)
    coverage = t(
        "{n} adoptions of {practices} practices by {units} units at {levels} level, in {periods} periods{left_out}.",
        n=len(frame),
        practices=frame["practice"].nunique(),
        units=frame["unit_id"].nunique(),
        levels=joined(*map(level_name, sorted(frame["unit_level"].unique())), sep=", "),
        periods=len(periods),
        left_out=t("; {n} left out (no period, or no place in the geography)", n=left_out) if left_out else "",
    )
    return ChannelShares(adoptions, shares, coverage, routes.graph, null, opts["n_permutations"], opts["seed"])


def route_pairs(ds: Dataset, adoptions: pd.DataFrame, practice: str) -> pd.DataFrame:
    """Every route between two adoptions of one practice: ``source, target, channel``, by position among them.

    ``adoptions`` is :attr:`ChannelShares.adoptions`; positions count that practice's rows in
    order. Channels: ancestor, neighbour, peer, inside (bottom-up); sources adopted earlier.

    Examples
    --------
    >>> from diffusion import load_dataset
    >>> ds = load_dataset("broadband-china")
    >>> found = adoption_channels(ds, n_permutations=9, progress=False)
    >>> sorted(set(route_pairs(ds, found.adoptions, "broadband_china")["channel"]))
    ['inside', 'neighbour', 'peer']
    """
    rows = np.flatnonzero(adoptions["practice"].to_numpy() == practice)
    pairs = _Routes(ds, adoptions).pairs(adoptions["period"].to_numpy(), rows)
    local = {row: i for i, row in enumerate(rows)}
    return pairs.assign(source=pairs["source"].map(local), target=pairs["target"].map(local))


def _adoptions(ds: Dataset) -> tuple[pd.DataFrame, int]:
    """Each unit's first timed case of each practice, with where it lies at every level."""
    from diffusion.measures.spread import adopters_by_level

    ev = adopters_by_level(ds)
    placed = ev[ev["geo_code"] != ""]
    first = placed.sort_values("period", kind="stable").drop_duplicates(["practice", "unit_id"])
    left_out = int(ds.events.drop_duplicates(["practice", "unit_id"]).shape[0] - len(first))
    keep = ["practice", "unit_id", "unit_name", "unit_level", "geo_code", "macro_region", "period", "date"]
    keep += [c for c in first.columns if c.startswith("at_")]
    return first[keep].sort_values(["practice", "period", "unit_id"]).reset_index(drop=True), left_out


class _Routes:
    """Which routes were open at each adoption, for any assignment of periods to the adoptions."""

    def __init__(self, ds: Dataset, frame: pd.DataFrame):
        geo = ds.geography
        self.levels = geo.levels
        self.practice = pd.factorize(frame["practice"], sort=True)[0]
        self.n_practices = int(self.practice.max()) + 1 if len(frame) else 0
        unit = frame["unit_id"].to_numpy()
        at = {lvl: frame[f"at_{lvl}"].to_numpy() for lvl in self.levels}
        codes = pd.Index(sorted(({c for lvl in self.levels for c in at[lvl]} | set(frame["geo_code"])) - {""}))
        self.n_codes = len(codes) + 1
        self.code_of = {lvl: codes.get_indexer(at[lvl]) for lvl in self.levels}  # -1 where above the level
        own = codes.get_indexer(unit)  # the unit's own code where it is a unit of the geography
        self.own = own
        # Containers strictly above the unit, level by level (the unit's own code excluded).
        self.container = {lvl: np.where(self.code_of[lvl] != own, self.code_of[lvl], -1) for lvl in self.levels}
        # The parent: the deepest strict container (a village's: its county; a county's: its prefecture).
        parent = np.full(len(frame), -1)
        parent_level = np.full(len(frame), -1)
        for k, lvl in enumerate(self.levels):
            has = self.container[lvl] >= 0
            parent[has], parent_level[has] = self.container[lvl][has], k
        self.parent, self.parent_level = parent, parent_level
        self.own_level = np.array([self.levels.index(lvl) if lvl in self.levels else -1 for lvl in frame["unit_level"]])
        self.own_level = np.where(own >= 0, self.own_level, -1)  # a unit not in the geography has nothing inside
        self.promotion = _promotion_periods(ds, sorted(frame["practice"].unique()))
        self._neighbours(ds, frame)

    def _neighbours(self, ds: Dataset, frame: pd.DataFrame) -> None:
        level = ds.network.level if ds.network is not None else ds.geography.neighbour_level
        ties = ds.influence_ties(level) if level in self.levels else None
        self.graph = "" if ties is None else ties.graph
        self.tie_region = np.full(len(frame), -1)
        if ties is None:
            return
        from diffusion.stats.neighbour import active_by_period

        self.tie_region = pd.Index(ties.units).get_indexer(frame[f"at_{level}"].to_numpy())
        active = active_by_period(ds, ties)
        self.active = None if isinstance(active, str) else active
        self.n_regions = len(ties.units)
        # Each adoption's incoming ties (looker = its region), exploded: adoption, tie.
        order = np.argsort(ties.looker, kind="stable")
        starts = np.searchsorted(ties.looker[order], np.arange(self.n_regions + 1))
        has = self.tie_region >= 0
        counts = np.where(has, np.diff(starts)[np.maximum(self.tie_region, 0)], 0)
        self.tie_owner = np.repeat(np.arange(len(frame)), counts)
        offset = np.arange(len(self.tie_owner)) - np.repeat(np.cumsum(counts) - counts, counts)
        self.tie_edge = order[np.repeat(starts[np.maximum(self.tie_region, 0)], counts) + offset]
        self.tie_source = ties.influencer[self.tie_edge]

    def flags(self, period: np.ndarray) -> dict[str, np.ndarray]:
        """The channel flags of every adoption when adoption ``i`` happened in ``period[i]``."""
        period = np.asarray(period, dtype=np.int64)
        pc = self.practice.astype(np.int64)
        # Top-down: an own case of a container before; or a promotion before the period began.
        own_first = _FirstByKey(pc * self.n_codes + self.own, period, self.own >= 0)
        ancestor = np.zeros(len(period), dtype=bool)
        for lvl in self.levels:
            c = self.container[lvl]
            when = own_first.get_many(pc * self.n_codes + c, c >= 0)
            ancestor |= when < period
        promotion = self.promotion[self.practice] < period if len(self.promotion) else np.zeros(len(period), bool)
        # Bottom-up and peers: counts of strictly-inside adoptions before the period.
        inside = np.zeros(len(period), dtype=np.int64)
        in_parent = np.zeros(len(period), dtype=np.int64)
        for k, lvl in enumerate(self.levels):
            mine, theirs = self.own_level == k, self.parent_level == k
            if not (mine.any() or theirs.any()):
                continue  # no unit of this level adopted or is a parent: nothing to count
            strictly = self.container[lvl] >= 0  # adoptions strictly inside a unit of this level
            counter = _Counter(pc * self.n_codes + self.code_of[lvl], period, strictly)
            inside[mine] = counter.before(pc[mine] * self.n_codes + self.own[mine], period[mine])
            in_parent[theirs] = counter.before(pc[theirs] * self.n_codes + self.parent[theirs], period[theirs])
        peer = in_parent - inside > 0
        neighbour = np.zeros(len(period), dtype=bool)
        if self.graph:
            first = np.full((self.n_practices, self.n_regions), NEVER)
            has = self.tie_region >= 0
            np.minimum.at(first, (self.practice[has], self.tie_region[has]), period[has])
            mine = period[self.tie_owner]
            ok = first[self.practice[self.tie_owner], self.tie_source] < mine
            if self.active is not None:
                ok &= self.active[self.tie_edge, mine - 1]
            neighbour[self.tie_owner[ok]] = True
        top_down, horizontal, bottom_up = ancestor | promotion, neighbour | peer, inside > 0
        return {
            "ancestor": ancestor,
            "promotion": promotion,
            "top_down": top_down,
            "neighbour": neighbour,
            "peer": peer,
            "horizontal": horizontal,
            "bottom_up": bottom_up,
            "none": ~(top_down | horizontal | bottom_up),
        }

    def pairs(self, period: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
        """Every route between two adoptions among ``rows`` (one practice's): ``source, target, channel``.

        Pair by pair (rows x rows), for the figures and to check :meth:`flags`; sources adopted in
        an earlier period. Channels: ancestor, neighbour, peer, inside (bottom-up).
        """
        when = np.asarray(period)[rows]
        a, v = np.meshgrid(rows, rows, indexing="ij")  # target a, source v
        earlier = when[None, :] < when[:, None]
        ancestor = np.zeros_like(earlier)
        for lvl in self.levels:
            c = self.container[lvl][a]
            ancestor |= (c >= 0) & (c == self.own[v])
        inside = np.zeros_like(earlier)
        peer = np.zeros_like(earlier)
        for k, lvl in enumerate(self.levels):
            at = self.code_of[lvl][v]
            strictly = self.container[lvl][v] >= 0
            inside |= (self.own_level[a] == k) & strictly & (at == self.own[a])
            peer |= (self.parent_level[a] == k) & strictly & (at == self.parent[a])
        peer &= ~inside
        neighbour = np.zeros_like(earlier)
        if self.graph:
            tied = np.zeros((self.n_regions, self.n_regions), dtype=bool)
            tied[self.tie_source, self.tie_region[self.tie_owner]] = True  # influencer -> looker
            ok = (self.tie_region[a] >= 0) & (self.tie_region[v] >= 0)
            neighbour = ok & tied[np.maximum(self.tie_region[v], 0), np.maximum(self.tie_region[a], 0)]
            if self.active is not None:  # a tie counts when it is active in the target's period
                edge = -np.ones((self.n_regions, self.n_regions), dtype=int)
                edge[self.tie_source, self.tie_region[self.tie_owner]] = self.tie_edge
                e = edge[np.maximum(self.tie_region[v], 0), np.maximum(self.tie_region[a], 0)]
                neighbour &= (e >= 0) & self.active[np.maximum(e, 0), np.asarray(period)[a] - 1]
        out = []
        for name, hit in (("ancestor", ancestor), ("neighbour", neighbour), ("peer", peer), ("inside", inside)):
            i, j = np.nonzero(hit & earlier)
            out.append(pd.DataFrame({"source": v[i, j], "target": a[i, j], "channel": name}))
        return pd.concat(out, ignore_index=True)


class _FirstByKey:
    """The earliest period of each key (valid items only), looked up for many keys at once."""

    def __init__(self, keys: np.ndarray, periods: np.ndarray, valid: np.ndarray):
        keys, periods = keys[valid], periods[valid]
        order = np.lexsort((periods, keys))
        keys, periods = keys[order], periods[order]
        head = np.r_[True, keys[1:] != keys[:-1]] if len(keys) else np.zeros(0, dtype=bool)
        # A sentinel key past every real one keeps the lookups in bounds.
        self.keys = np.r_[keys[head], np.iinfo(np.int64).max]
        self.first = np.r_[periods[head], NEVER]

    def get_many(self, keys: np.ndarray, valid: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(self.keys, keys)
        return np.where(valid & (self.keys[pos] == keys), self.first[pos], NEVER)


class _Counter:
    """How many of the given (key, period) items have a key and a period before a query's."""

    def __init__(self, keys: np.ndarray, periods: np.ndarray, valid: np.ndarray):
        self.scale = int(periods.max(initial=0)) + 2
        self.sorted = np.sort(keys[valid] * self.scale + periods[valid])

    def before(self, keys: np.ndarray, periods: np.ndarray) -> np.ndarray:
        low = np.searchsorted(self.sorted, keys * self.scale, side="left")
        return np.searchsorted(self.sorted, keys * self.scale + periods, side="left") - low


def _promotion_periods(ds: Dataset, practices: list[str]) -> np.ndarray:
    """For each practice, the first period that began after one of its dated promotions (a large number if none).

    A promotion dated to a month or a year opens the route only for periods that start after
    that month or year has ended: a circular of the same batch does not count as its cause.
    """
    out = np.full(len(practices), NEVER, dtype=np.int64)
    promo = ds.promotion_events
    calendar = calendar_of(ds).sort_values("period")
    if promo is None or promo.empty or (calendar["start"] == "").any():
        return out
    starts = calendar["start"].tolist()
    periods = calendar["period"].to_numpy()
    index = {p: i for i, p in enumerate(practices)}
    for date, tags in zip(promo["date"], promo["practices"]):
        date = str(date)
        if not date:
            continue
        after = [p for p, s in zip(periods, starts) if date < s[: len(date)]]
        for tag in str(tags).split(";"):
            if tag in index and after:
                out[index[tag]] = min(out[index[tag]], after[0] - 1)  # open for periods after this one
    return out


class _Summary:
    """Shares of each channel over all adoptions, per practice and per period, as one vector.

    The vector runs channel by channel, each over [all, practices..., periods...]; the null keeps
    the number of adoptions of every practice in every period, so no group is ever empty.
    """

    def __init__(self, practice: np.ndarray, periods: np.ndarray):
        self.practice, self.periods = practice, periods
        self.n_practices = int(practice.max()) + 1 if len(practice) else 0
        self.count_practice = np.bincount(practice, minlength=self.n_practices).astype(float)

    def __call__(self, flags: dict[str, np.ndarray], period: np.ndarray) -> np.ndarray:
        slot = np.searchsorted(self.periods, period)
        count_period = np.bincount(slot, minlength=len(self.periods)).astype(float)
        parts = []
        for name in CHANNEL_NAMES:
            f = flags[name].astype(float)
            parts += [
                [f.mean()],
                np.bincount(self.practice, weights=f, minlength=self.n_practices) / self.count_practice,
                np.bincount(slot, weights=f, minlength=len(self.periods)) / count_period,
            ]
        return np.concatenate(parts)

    def table(self, observed: np.ndarray, null: np.ndarray, practices: list[str], frame: pd.DataFrame) -> pd.DataFrame:
        """The long table of shares with their null means, 95 % ranges and two-sided p-values."""
        counts_period = frame.groupby("period").size().reindex(self.periods).to_numpy()
        scopes: list[tuple[str, str | int, int]] = [("all", "", len(frame))]
        scopes += [("practice", p, int(n)) for p, n in zip(practices, self.count_practice)]
        scopes += [("period", int(t), int(n)) for t, n in zip(self.periods, counts_period)]
        expected = null.mean(axis=0)
        low, high = np.quantile(null, [0.025, 0.975], axis=0)
        p = p_value(observed, null, "two-sided")
        rows = []
        for s, (scope, group, n) in enumerate(scopes):
            for c, name in enumerate(CHANNEL_NAMES):
                j = c * len(scopes) + s
                rows.append(
                    {
                        "scope": scope,
                        "group": group,
                        "channel": name,
                        "adoptions": n,
                        "observed": observed[j],
                        "expected": expected[j],
                        "lower": low[j],
                        "upper": high[j],
                        "p_value": p[j],
                    }
                )
        return pd.DataFrame(rows)


def _route(flags: pd.DataFrame) -> np.ndarray:
    """The exclusive route of each adoption: the one channel open, "several", or "none"."""
    open_ = flags[["top_down", "horizontal", "bottom_up"]].to_numpy()
    single = np.array(["top-down", "horizontal", "bottom-up"])[open_.argmax(axis=1)]
    return np.where(open_.sum(axis=1) > 1, "several", np.where(open_.sum(axis=1) == 1, single, "none"))
