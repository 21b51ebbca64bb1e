"""Which routes of spread were open at each adoption, for any assignment of periods to the adoptions.

The routes are those of :mod:`diffusion.stats.channel_shares`: an ancestor's case or a dated
promotion (top-down), a neighbour's or a peer's case (horizontal), a case inside the unit
(bottom-up). :class:`Routes` holds the hierarchy and the graph once and answers for the observed
periods and for many permuted draws at a time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diffusion.data.dataset import Dataset
from diffusion.data.periods import calendar_of

__all__ = ["ITEMS_AT_ONCE", "NEVER", "Routes"]

NEVER = np.iinfo(np.int64).max - 1  # the period of "not before anything"
#: Adoptions and incoming ties answered at once by :meth:`Routes.flags` over permuted draws. Small data
#: pay Python's overhead per draw (leading-cases: 0.40 s of 999 draws down to 0.13 s); large data
#: gain nothing, as sorting one larger array costs more than the overhead saved.
ITEMS_AT_ONCE = 2**14


class Routes:
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
        self.tie_owner = np.zeros(0, dtype=np.int64)
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

    @property
    def items_per_draw(self) -> int:
        """Adoptions and incoming ties :meth:`flags` goes through for one draw."""
        return len(self.practice) + len(self.tie_owner)

    def flags(self, period: np.ndarray) -> dict[str, np.ndarray]:
        """The channel flags of every adoption when adoption ``i`` happened in ``period[..., i]``.

        ``period`` is one assignment (``n``) or one per row (``k x n``, e.g. permuted draws); the
        flags have its shape. The rows are answered together, as one set of ``k x n`` adoptions
        in which each row's practices are practices of their own.
        """
        period = np.asarray(period, dtype=np.int64)
        shape = period.shape
        k, n = (1, shape[0]) if period.ndim == 1 else shape
        period = period.reshape(-1)
        draw = np.repeat(np.arange(k, dtype=np.int64), n)

        def tiled(per_adoption: np.ndarray) -> np.ndarray:
            return np.tile(per_adoption, k)

        pc = draw * self.n_practices + tiled(self.practice.astype(np.int64))  # a practice in a row
        own, own_level, parent, parent_level = map(tiled, (self.own, self.own_level, self.parent, self.parent_level))
        # Top-down: an own case of a container before; or a promotion before the period began.
        own_first = _FirstByKey(pc * self.n_codes + own, period, own >= 0)
        ancestor = np.zeros(len(period), dtype=bool)
        for lvl in self.levels:
            c = tiled(self.container[lvl])
            ancestor |= own_first.get_many(pc * self.n_codes + c, c >= 0) < period
        promotion = np.zeros(len(period), dtype=bool)
        if len(self.promotion):
            promotion = tiled(self.promotion[self.practice]) < period
        # Bottom-up and peers: counts of strictly-inside adoptions before the period.
        inside = np.zeros(len(period), dtype=np.int64)
        in_parent = np.zeros(len(period), dtype=np.int64)
        for lk, lvl in enumerate(self.levels):
            mine, theirs = own_level == lk, parent_level == lk
            if not (mine.any() or theirs.any()):
                continue  # no unit of this level adopted or is a parent: nothing to count
            strictly = tiled(self.container[lvl]) >= 0  # adoptions strictly inside a unit of this level
            counter = _Counter(pc * self.n_codes + tiled(self.code_of[lvl]), period, strictly)
            inside[mine] = counter.before(pc[mine] * self.n_codes + own[mine], period[mine])
            in_parent[theirs] = counter.before(pc[theirs] * self.n_codes + parent[theirs], period[theirs])
        peer = in_parent - inside > 0
        neighbour = np.zeros(len(period), dtype=bool)
        if self.graph:
            region = tiled(self.tie_region)
            first = np.full((k * self.n_practices, self.n_regions), NEVER)
            has = region >= 0
            np.minimum.at(first, (pc[has], region[has]), period[has])
            owner = (np.arange(k, dtype=np.int64)[:, None] * n + self.tie_owner).reshape(-1)
            mine_period = period[owner]
            ok = first[pc[owner], tiled(self.tie_source)] < mine_period
            if self.active is not None:
                ok &= self.active[tiled(self.tie_edge), mine_period - 1]
            neighbour[owner[ok]] = True
        top_down, horizontal, bottom_up = ancestor | promotion, neighbour | peer, inside > 0
        flags = {
            "ancestor": ancestor,
            "promotion": promotion,
            "top_down": top_down,
            "neighbour": neighbour,
            "peer": peer,
            "horizontal": horizontal,
            "bottom_up": bottom_up,
            "none": ~(top_down | horizontal | bottom_up),
        }
        return {name: f.reshape(shape) for name, f in flags.items()}

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
