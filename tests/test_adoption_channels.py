"""Channels of each adoption: hand-computed routes at mixed levels, promotions, the null, the CLI."""

import numpy as np
import pandas as pd
import pytest

from diffusion import load_dataset, read_cases
from diffusion.stats.channel_shares import CHANNEL_NAMES, adoption_channels

FAST = {"n_permutations": 99, "progress": False}


@pytest.fixture
def mixed(five_regions, tmp_path):
    """Practice x at state, region and village level in Fiveland (ring R1-R2-R3-R4-R5-R1).

    N: R1-R3 (Upland); S: R4, R5 (Lowland). Years 2001-2004 are periods 1-4.
    """
    (five_regions / "geography.json").write_text('{"sub_levels": ["village"]}', encoding="utf-8")
    path = tmp_path / "mixed.csv"
    path.write_text(
        "case_id,year,state,region,village,practices\n"
        "c1,2001,North,,,x\n"  # N itself: nothing before it -> none
        "c2,2002,North,Brookvale,,x\n"  # R2: its state N adopted in 2001 -> top-down (ancestor)
        "c3,2002,South,Dunmore,Oakfield,x\n"  # a village in R4: nothing near it before -> none
        "c4,2003,South,Dunmore,,x\n"  # R4 after its village -> bottom-up
        "c5,2003,South,Elmstead,,x\n"  # R5: neighbour R4 (its village, 2002); peer in S -> horizontal
        "c6,2004,South,,,x\n"  # S after R4, R5 and the village -> bottom-up
        "c7,2004,North,Cedarton,,x\n",  # R3: N (ancestor); R2 and R4 (neighbours); R2 (peer) -> several
        encoding="utf-8",
    )
    return read_cases(path, geography=five_regions, extend_vocabulary=True)


def test_routes_by_hand_at_mixed_levels(mixed):
    ch = adoption_channels(mixed, **FAST)
    route = dict(zip(ch.adoptions["unit_id"].str.split("/").str[-1], ch.adoptions["route"]))
    assert route == {
        "N": "none",
        "R2": "top-down",
        "Oakfield": "none",
        "R4": "bottom-up",
        "R5": "horizontal",
        "S": "bottom-up",
        "R3": "several",
    }
    flags = ch.adoptions.assign(unit=ch.adoptions["unit_id"].str.split("/").str[-1]).set_index("unit")
    assert flags.loc["R5", ["neighbour", "peer", "ancestor", "bottom_up"]].tolist() == [True, True, False, False]
    assert flags.loc["R3", ["ancestor", "neighbour", "peer"]].tolist() == [True, True, True]
    assert not flags.loc["R4", "peer"]  # the only earlier case in S lies inside R4 itself
    overall = ch.overall().set_index("channel")["observed"]
    assert overall[["top_down", "horizontal", "bottom_up", "none"]].tolist() == pytest.approx([2 / 7] * 4)
    assert ch.graph == "geographic adjacency" and len(ch.adoptions) == 7


def test_routes_on_fiveland_and_what_is_left_out(ds_fiveland):
    ch = adoption_channels(ds_fiveland, **FAST)
    # open_data: R1 (1) none; R2 (2) neighbour R1 and peer R1 in N; R5 (2) neighbour R1 only.
    # e_petition: R2 (2) none; R4 (3): neighbours R3 (undated) and R5 (not this practice) -> none.
    got = ch.adoptions.set_index(["practice", "unit_id"])
    assert got["route"].to_dict() == {
        ("e_petition", "R2"): "none",
        ("e_petition", "R4"): "none",
        ("open_data", "R1"): "none",
        ("open_data", "R2"): "horizontal",
        ("open_data", "R5"): "horizontal",
    }
    assert got.loc[("open_data", "R5"), "peer"] == False  # noqa: E712 (numpy bool)
    assert "5 adoptions of 2 practices" in ch.coverage and "1 left out" in ch.coverage


@pytest.fixture
def ds_fiveland(five_regions, fiveland_cases, fiveland_practices):
    return read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)


def test_a_promotion_opens_the_top_down_route_only_for_periods_after_it():
    ds = load_dataset("leading-cases")
    ch = adoption_channels(ds, **FAST)
    a = ch.adoptions
    # points_system: promoted 2018-06, before the first batch (2019-05): open at every adoption.
    assert a.loc[a["practice"] == "points_system", "promotion"].all()
    # customs_reform: first promoted by the batch-1 circular (2019-05): closed for batch 1, open after.
    customs = a[a["practice"] == "customs_reform"]
    assert not customs.loc[customs["period"] == 1, "promotion"].any()
    assert customs.loc[customs["period"] > 1, "promotion"].all()


def test_null_keeps_timing_only_shares_and_reproduces_with_its_seed():
    ds = load_dataset("leading-cases")
    one, two = adoption_channels(ds, seed=3, **FAST), adoption_channels(ds, seed=3, **FAST)
    pd.testing.assert_frame_equal(one.shares, two.shares)
    s = one.shares
    promo = s[s["channel"] == "promotion"]
    # Permuting periods within a practice keeps how many of its adoptions came after a promotion.
    assert np.allclose(promo["observed"], promo["expected"]) and (promo["p_value"] == 1).all()
    assert set(s["scope"]) == {"all", "practice", "period"} and set(s["channel"]) == set(CHANNEL_NAMES)
    assert ((s["p_value"] > 0) & (s["p_value"] <= 1)).all()
    assert (s["lower"] <= s["upper"]).all()


def test_neighbour_routes_follow_the_direction_and_dates_of_the_users_network(ds_fiveland, tmp_path):
    from diffusion.stats.neighbour import neighbour_test

    def neighbours(text):
        path = tmp_path / "ties.csv"
        path.write_text(text, encoding="utf-8")
        timed = ds_fiveland.with_network(path, directed=True)
        ch = adoption_channels(timed, **FAST)
        # At the network's level, the neighbour share is the neighbour test's statistic.
        same = neighbour_test(timed, level="region", n_permutations=9, progress=False).statistic
        assert ch.overall().set_index("channel").at["neighbour", "observed"] == pytest.approx(same)
        learned = ch.adoptions[ch.adoptions["neighbour"]]
        return set(learned["unit_id"] + ":" + learned["practice"])

    # R2 -> R4: R4 (e_petition, 2005) from R2 (2003); R1 -> R5: R5 (open_data, 2003) from R1 (2001).
    assert neighbours("source,target\nR2,R4\nR1,R5\n") == {"R4:e_petition", "R5:open_data"}
    assert neighbours("source,target\nR4,R2\nR5,R1\n") == set()  # pointing at earlier adopters
    assert neighbours("source,target,end\nR2,R4,2004\nR1,R5,\n") == {"R5:open_data"}  # ended before 2005


def test_pair_by_pair_routes_agree_with_the_counted_flags_under_permuted_times(mixed):
    from diffusion.stats.channel_routes import Routes
    from diffusion.stats.channel_shares import _adoptions, _Summary
    from diffusion.stats.nulls import permute_within

    for ds in (mixed, load_dataset("leading-cases"), load_dataset("broadband-china")):
        frame, _ = _adoptions(ds)
        routes = Routes(ds, frame)
        rng = np.random.default_rng(0)
        draws = permute_within(frame["period"].to_numpy(), routes.practice, rng, 5)
        together = routes.flags(draws)  # the draws answered at once, as the permutations are
        summarise = _Summary(routes.practice, np.unique(draws))
        shares = summarise(together, draws)
        for i, times in enumerate(draws):
            flags = routes.flags(times)
            assert all(np.array_equal(together[name][i], flag) for name, flag in flags.items()), ds.name
            assert np.array_equal(shares[i], summarise(flags, times))
            for p in range(routes.n_practices):
                rows = np.flatnonzero(routes.practice == p)
                pairs = routes.pairs(times, rows)
                for channel, flag in (
                    ("ancestor", "ancestor"),
                    ("neighbour", "neighbour"),
                    ("peer", "peer"),
                    ("inside", "bottom_up"),
                ):
                    hit = np.zeros(len(times), dtype=bool)
                    hit[pairs.loc[pairs["channel"] == channel, "target"]] = True
                    assert (hit[rows] == flags[flag][rows]).all(), (ds.name, p, channel)


def test_the_strata_null_permutes_within_macro_regions():
    ds = load_dataset("broadband-china")
    times, strata = adoption_channels(ds, **FAST), adoption_channels(ds, null="strata", **FAST)
    assert strata.null == "strata" and times.null == "times"
    pd.testing.assert_frame_equal(times.adoptions, strata.adoptions)  # the observed routes do not change
    assert not times.shares["expected"].equals(strata.shares["expected"])
    with pytest.raises(ValueError, match="null"):
        adoption_channels(ds, null="adopters", **FAST)


def test_the_command_writes_the_shares_and_the_adoptions(tmp_path, capsys):
    from diffusion.cli import main

    out, adoptions = tmp_path / "shares.csv", tmp_path / "adoptions.csv"
    argv = ["channels", "--dataset", "leading-cases", "--out", str(out), "--adoptions", str(adoptions)]
    assert main([*argv, "--permutations", "99"]) == 0
    printed = capsys.readouterr().out
    assert "of adoptions had a top-down route open" in printed
    shares = pd.read_csv(out, encoding="utf-8-sig")
    assert list(shares.columns) == [
        "scope",
        "group",
        "channel",
        "adoptions",
        "observed",
        "expected",
        "lower",
        "upper",
        "p_value",
    ]
    rows = pd.read_csv(adoptions, encoding="utf-8-sig")
    assert len(rows) == shares.loc[shares["scope"] == "all", "adoptions"].iloc[0]
    assert main([*argv, "--permutations", "0"]) == 2


@pytest.mark.parametrize("null", ["times", "strata"])
def test_shares_are_the_same_when_the_draws_are_held_a_few_rows_at_a_time(monkeypatch, null):
    from diffusion.stats import channel_shares

    ds = load_dataset("broadband-china")
    whole = adoption_channels(ds, null=null, **FAST)  # a chunk of draws at once: the data are small
    monkeypatch.setattr(channel_shares, "DRAWN_AT_ONCE", 3 * len(whole.adoptions))  # three rows a block
    blocks = adoption_channels(ds, null=null, **FAST)
    pd.testing.assert_frame_equal(whole.shares, blocks.shares, check_exact=True)
