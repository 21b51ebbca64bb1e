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
from diffusion.display import Card, Summarised
from diffusion.errors import DiffusionError
from diffusion.i18n import joined, level_name, t
from diffusion.stats.channel_routes import ITEMS_AT_ONCE, Routes
from diffusion.stats.inference import p_value, permutation_options, permutation_test
from diffusion.stats.nulls import in_blocks, permuted_blocks

__all__ = ["CHANNEL_NAMES", "MAIN_CHANNELS", "ROUTES", "ChannelShares", "adoption_channels", "route_pairs"]

#: The channels, each main one followed by its parts: top-down by an ancestor's case or by a promotion,
#: horizontal by a neighbour or a peer.
CHANNEL_NAMES = ("top_down", "ancestor", "promotion", "horizontal", "neighbour", "peer", "bottom_up", "none")
MAIN_CHANNELS = ("top_down", "horizontal", "bottom_up", "none")
#: The exclusive route of an adoption, for stacked shares: one channel alone, several, or none.
ROUTES = ("top-down", "horizontal", "bottom-up", "several", "none")
#: Permuted periods held at once (32 MB): a chunk of 250 draws of 150,000 adoptions was 0.3 GB.
DRAWN_AT_ONCE = 2**22


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
    routes = Routes(ds, frame)
    times = frame["period"].to_numpy()
    observed = routes.flags(times)
    periods = np.sort(frame["period"].unique())
    practice = pd.factorize(frame["practice"], sort=True)[0]
    summarise = _Summary(practice, periods)
    obs = summarise(observed, times)
    groups = practice if null == "times" else pd.factorize(frame["practice"] + "|" + frame["macro_region"])[0]

    def batch(rng, k):
        return np.concatenate(
            [
                in_blocks(lambda d: summarise(routes.flags(d), d), draws, ITEMS_AT_ONCE, routes.items_per_draw)
                for draws in permuted_blocks(times, groups, rng, k, DRAWN_AT_ONCE)
            ]
        )

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
    pairs = Routes(ds, adoptions).pairs(adoptions["period"].to_numpy(), rows)
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
        """The vector for one assignment of periods (``n``), or a row for each row of ``period`` (``k x n``)."""
        rows = np.atleast_2d(period)
        k, n_periods = rows.shape[0], len(self.periods)
        offset = np.arange(k)[:, None]  # each row counts in bins of its own
        slot = (np.searchsorted(self.periods, rows) + offset * n_periods).reshape(-1)
        practice = (self.practice + offset * self.n_practices).reshape(-1)
        count_period = np.bincount(slot, minlength=k * n_periods).reshape(k, n_periods).astype(float)
        parts = []
        for name in CHANNEL_NAMES:
            f = np.atleast_2d(flags[name]).astype(float)
            by_practice = np.bincount(practice, weights=f.reshape(-1), minlength=k * self.n_practices)
            by_period = np.bincount(slot, weights=f.reshape(-1), minlength=k * n_periods)
            parts += [
                f.mean(axis=1, keepdims=True),
                by_practice.reshape(k, self.n_practices) / self.count_practice,
                by_period.reshape(k, n_periods) / count_period,
            ]
        out = np.concatenate(parts, axis=1)
        return out[0] if np.ndim(period) == 1 else out

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
