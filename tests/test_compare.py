"""Regional comparison on the invented country, by hand; bootstrap coverage; stable orders.

Units (region level): North R1-R3, South R4-R5. Adoptions: R1 open_data (1); R2 open_data and
e_petition (2); R5 open_data (2); R4 e_petition (3); R3 e_petition with no time.
"""

import numpy as np
import pandas as pd
import pytest

from diffusion import read_cases
from diffusion.errors import ValidationError
from diffusion.measures.compare import (
    adoption_matrix,
    assign_groups,
    bootstrap_ci,
    compare_groups,
    leaders_followers,
)
from diffusion.measures.similarity import portfolio_similarity, similarity_order


@pytest.fixture
def ds(five_regions, fiveland_cases, fiveland_practices):
    return read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)


def test_rates_have_their_denominators(ds):
    groups = assign_groups(ds, "macro-region", "region")
    assert groups.to_dict() == {"R1": "Upland", "R2": "Upland", "R3": "Upland", "R4": "Lowland", "R5": "Lowland"}
    m = adoption_matrix(ds, groups, "region")
    ever = m[m["batch"].isna()].set_index(["group", "practice"])
    # e_petition in the uplands: R2 (timed) and R3 (no time) -> 2 of 3 units; the untimed one counts in rates.
    assert ever.loc[("Upland", "e_petition"), ["adopters", "units"]].tolist() == [2, 3]
    assert ever.loc[("Upland", "e_petition"), "rate"] == pytest.approx(2 / 3)
    timed = m[m["batch"].notna() & (m["group"] == "Upland") & (m["practice"] == "e_petition")]
    assert timed.set_index("batch")["adopters"].to_dict() == {1: 0, 2: 1, 3: 1}  # R3 has no time


def test_group_measures_by_hand(ds):
    table, tests = compare_groups(ds, "macro-region", level="region", n_boot=199, n_permutations=199, progress=False)
    v = table.set_index(["measure", "group"])
    assert v.loc[("adoption_rate", "Upland"), ["value", "units", "adopters"]].tolist() == [1.0, 3, 3]
    assert v.loc[("breadth", "Upland"), "value"] == pytest.approx((1 + 2 + 1) / 3)
    assert v.loc[("breadth", "Lowland"), "value"] == pytest.approx(1.0)
    # Earliness: open_data R1 1, R2 0.5, R5 0.5; e_petition R2 1, R4 0 -> R1 1, R2 0.75, R5 0.5, R4 0.
    assert v.loc[("earliness", "Upland"), "value"] == pytest.approx((1 + 0.75) / 2)
    assert v.loc[("earliness", "Lowland"), "value"] == pytest.approx((0.5 + 0) / 2)
    assert set(tests["measure"]) == {"adoption_rate", "breadth", "earliness"}
    assert ((tests["p_value"] > 0) & (tests["p_value"] <= 1)).all()


def test_leaders_and_followers_by_hand(ds):
    groups = assign_groups(ds, "province", "region")  # the states
    lf = leaders_followers(ds, groups, "region", n_permutations=199, progress=False)
    row = lf.iloc[0]
    # North adopted both practices first (open_data 1 vs 2; e_petition 2 vs 3).
    assert (row["leader"], row["follower"], row["leads"], row["follows"], row["net"]) == ("North", "South", 2, 0, 2)
    assert 0 < row["p_value"] <= 1 and row["q_value"] >= row["p_value"]


def test_portfolio_similarity_and_stable_order(ds):
    groups = assign_groups(ds, "macro-region", "region")
    sim = portfolio_similarity(ds, groups, "region", "jaccard")
    assert sim.loc["Upland", "Lowland"] == 1.0  # both adopted both practices
    cos = portfolio_similarity(ds, groups, "region", "cosine")
    # Upland (open_data 2, e_petition 2) vs Lowland (1, 1): parallel vectors.
    assert cos.loc["Upland", "Lowland"] == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    names = [f"g{i}" for i in range(8)]
    x = rng.random((8, 8))
    sym = (x + x.T) / 2
    np.fill_diagonal(sym, 1.0)
    s = pd.DataFrame(sym, index=names, columns=names)
    shuffled = s.sample(frac=1, random_state=3)
    shuffled = shuffled[shuffled.index]
    assert similarity_order(s) == similarity_order(shuffled)


def test_user_groups_from_a_mapping_file(ds, tmp_path):
    mapping = tmp_path / "groups.csv"
    mapping.write_text("unit,group\nNorth,coast\nDunmore,coast\nElmstead,inland\n", encoding="utf-8")
    groups = assign_groups(ds, mapping, "region")
    assert groups.to_dict() == {"R1": "coast", "R2": "coast", "R3": "coast", "R4": "coast", "R5": "inland"}
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,group\nAtlantis,x\nNorth,a\nNorth,b\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        assign_groups(ds, bad, "region")
    assert err.value.failures["problem"].tolist() == ["unknown place", "unit already in group 'a'"]


@pytest.mark.parametrize("rate", [0.1, 0.3, 0.5])
def test_bootstrap_interval_coverage(rate):
    rng = np.random.default_rng(42)
    covered = 0
    for i in range(200):
        sample = (rng.random(150) < rate).astype(float)
        lo, hi = bootstrap_ci(sample, n_boot=499, seed=i)
        covered += lo <= rate <= hi
    assert 0.90 <= covered / 200 <= 0.99
