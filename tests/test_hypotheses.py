"""Hypothesis tests: hand-computed statistics, parity with esda and scipy, calibration under nulls.

The invented country (conftest): regions R1-R5 on a ring, states North (R1-R3) and South (R4, R5).
First adoptions: open_data R1 (period 1), R2 and R5 (2); e_petition R2 (2), R4 (3).
"""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse, stats

from diffusion import read_cases
from diffusion.stats.coadoption import coadoption_test
from diffusion.stats.event_history import event_history_test, person_period
from diffusion.stats.gradient import gradient_test
from diffusion.stats.neighbour import neighbour_test
from diffusion.stats.nulls import curveball
from diffusion.stats.promotion import promotion_test
from diffusion.stats.spatial import join_count_test, join_counts, moran_test, morans_i

FAST = {"n_permutations": 199, "progress": False}


@pytest.fixture
def ds(five_regions, fiveland_cases, fiveland_practices):
    return read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)


def test_neighbour_statistic_by_hand(ds):
    r = neighbour_test(ds, level="region", **FAST)
    # open_data: R2 and R5 each had R1 (period 1) as an earlier neighbour; R1 and both e_petition
    # adopters had none: 2 of 5 adoptions.
    assert r.statistic == pytest.approx(0.4)
    assert r.supported and 1 / 200 <= r.p_value <= 1 and len(r.null_distribution) == 199
    for null in ("strata", "adopters"):
        assert neighbour_test(ds, level="region", null=null, **FAST).statistic == pytest.approx(0.4)
    same = neighbour_test(ds, level="region", **FAST)
    assert np.array_equal(same.null_distribution, r.null_distribution)


def test_neighbour_test_says_when_it_cannot_run(ds):
    r = neighbour_test(ds, level="state", **FAST)
    assert not r.supported and np.isnan(r.p_value)
    assert r.reason == (
        "no ties between units at level 'state' (the geography gives neighbours at level 'region'; "
        "give a network of this level, `network`)"
    )
    assert r.interpretation.startswith("Not tested:")


def test_promotion_statistic_by_hand(ds):
    r = promotion_test(ds, practice="open_data", date="2003", **FAST)
    # open_data: 2 of 3 adoptions on or after 2003; e_petition: 2 of 2.
    assert r.statistic == pytest.approx(2 / 3 - 1)
    assert r.details["adoptions_practice"] == 3


def test_gradient_equals_the_sum_of_pairwise_mann_whitney():
    from diffusion import load_dataset

    ds = load_dataset("broadband-china")
    r = gradient_test(ds, **FAST)
    assert r.statistic == pytest.approx(sum(row["U"] for row in r.details["pairwise"]))
    # U from scipy counts pairs in which the earlier group adopted first, ties one half.
    first = r.details["pairwise"][0]
    assert (first["earlier"], first["later"]) == ("East", "Central")
    assert 0 < first["p_earlier_first"] < 1
    assert r.p_value < 0.05  # Broadband China reached the East first (2014 batch) — a real, strong gradient
    # One practice: the pairwise p is scipy's asymptotic Mann-Whitney p (tie-corrected, no continuity).
    one = gradient_test(ds, practice="broadband_china", **FAST)
    first = one.details["pairwise"][0]
    from diffusion.measures.innovativeness import first_adoptions

    when = first_adoptions(ds).query("practice == 'broadband_china'").set_index("region")["period"]
    group = when.index.map(ds.geography.macro_region)
    central, east = when[group == "Central"], when[group == "East"]
    u = stats.mannwhitneyu(central, east, alternative="greater", method="asymptotic", use_continuity=False)
    assert (first["U"], first["p_value"]) == pytest.approx((u.statistic, u.pvalue), abs=1e-12)


def test_gradient_compares_adoptions_of_the_same_practice_in_the_users_order(ds, five_regions):
    # States: North (Upland) and South (Lowland). open_data: North 1, South 2; e_petition: North 2,
    # South 3. Same-practice pairs: both have Upland first, J = 2 of 2 (pooling the practices would
    # add North-open 1 < South-petition 3 and a tie North-petition 2 = South-open 2: 3.5 of 4).
    r = gradient_test(ds, order=("Upland", "Lowland"), **FAST)
    assert r.statistic == 2.0 and r.details["pairs"] == 2
    assert [row["U"] for row in r.details["pairwise"]] == [2.0]
    assert "2 same-practice pairs" in r.interpretation


def test_gradient_says_when_the_geography_has_no_order_and_reads_it_from_geography_json(
    ds, five_regions, fiveland_cases, fiveland_practices
):
    from diffusion.errors import ParameterError

    r = gradient_test(ds, **FAST)
    assert not r.supported and "the geography has no ordered regions" in r.reason
    with pytest.raises(
        ParameterError, match=r"'East', not a macro-region of the geography \(its macro-regions: Lowland, Upland\)"
    ):
        gradient_test(ds, order=("East", "Upland"), **FAST)
    (five_regions / "geography.json").write_text('{"gradient_order": ["Upland", "Lowland"]}', encoding="utf-8")
    ordered = read_cases(fiveland_cases, geography=five_regions, vocabulary=fiveland_practices)
    assert gradient_test(ordered, **FAST).details["order"] == ["Upland", "Lowland"]


def test_join_counts_and_moran_equal_esda():
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    from diffusion import load_dataset

    ds = load_dataset("leading-cases")
    g = ds.geography.neighbour_graph()
    units = sorted(g.nodes)
    w = libpysal.weights.W({u: sorted(g.neighbors(u)) for u in units}, id_order=units, silence_warnings=True)
    adj = sparse.csr_matrix(w.full()[0])
    rng = np.random.default_rng(0)
    for _ in range(5):
        y = (rng.random(len(units)) < 0.4).astype(float)
        jc = esda.Join_Counts(y, w, permutations=0)
        assert join_counts(y, adj) == pytest.approx((jc.bb, jc.bw, jc.ww), abs=1e-12)
        values = rng.normal(size=len(units))
        w.transform = "r"
        mi = esda.Moran(values, w, permutations=0)
        assert float(morans_i(values[None, :], sparse.csr_matrix(w.full()[0]))[0]) == pytest.approx(mi.I, abs=1e-12)
        w.transform = "o"
    r = join_count_test(ds, **FAST)
    timed = ds.events[ds.events["time_known"]]
    y = np.isin(units, list(set(timed["province_code"]) - {""})).astype(float)
    assert r.statistic == pytest.approx(esda.Join_Counts(y, w, permutations=0).bb, abs=1e-12)
    assert r.details["adopters"] == int(y.sum())


def _esda_moran(esda, libpysal, g, when):
    """esda's Moran of adoption periods ``when`` over the regions with a neighbour among them."""
    sub = g.subgraph(when.index)
    units = sorted(u for u in sub.nodes if sub.degree(u) > 0)
    w = libpysal.weights.W({u: sorted(sub.neighbors(u)) for u in units}, id_order=units)
    w.transform = "r"
    return esda.Moran(when[units].to_numpy(float), w, permutations=0, two_tailed=False), len(units)


def test_moran_per_practice_and_pooled_equal_esda():
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    from diffusion import load_dataset
    from diffusion.measures.innovativeness import first_adoptions

    ds = load_dataset("broadband-china")
    g = ds.geography.neighbour_graph()
    first = first_adoptions(ds)
    r = moran_test(ds, **FAST)
    assert r.details["pooling"] == "practice" and r.details["practices"] == 2
    weighted, regions = 0.0, 0
    for row in r.details["per_practice"]:
        mi, n = _esda_moran(
            esda, libpysal, g, first[first["practice"] == row["practice"]].set_index("region")["period"]
        )
        assert row["I"] == pytest.approx(mi.I, abs=1e-12) and row["regions"] == n
        # esda's one-tailed p is on the side z falls; ours on the alternative's side (greater).
        assert row["z_rand"] == pytest.approx(mi.z_rand, abs=1e-9)
        assert row["p_rand"] == pytest.approx(mi.p_rand if mi.z_rand > 0 else 1 - mi.p_rand, abs=1e-9)
        weighted, regions = weighted + n * mi.I, regions + n
    assert r.statistic == pytest.approx(weighted / regions, abs=1e-12)
    # The old statistic, by explicit choice: each region's earliest adoption of any practice.
    old = moran_test(ds, pooling="any", **FAST)
    mi, n = _esda_moran(esda, libpysal, g, first.groupby("region")["period"].min())
    assert old.statistic == pytest.approx(mi.I, abs=1e-12) and old.details["regions"] == n
    assert old.details["z_norm"] == pytest.approx(mi.z_norm, abs=1e-9)
    assert old.details["p_rand"] == pytest.approx(mi.p_rand if mi.z_rand > 0 else 1 - mi.p_rand, abs=1e-9)
    assert "Caution" in old.interpretation and "Caution" not in r.interpretation


def test_spatial_nulls_are_the_same_drawn_in_blocks_of_a_few_draws(monkeypatch):
    from diffusion import load_dataset
    from diffusion.stats import spatial

    runs = ((moran_test, load_dataset("broadband-china")), (join_count_test, load_dataset("leading-cases")))
    whole = [test(ds, n_permutations=199, progress=False, n_jobs=1) for test, ds in runs]
    monkeypatch.setattr(spatial, "DRAW_ITEMS", 700)  # a few draws a block: many blocks a chunk
    blocks = [test(ds, n_permutations=199, progress=False, n_jobs=1) for test, ds in runs]
    for a, b in zip(whole, blocks):
        assert np.isfinite(a.statistic) and 0 < a.p_value < 1
        assert a.statistic == b.statistic and a.p_value == b.p_value and a.details == b.details
        assert np.array_equal(a.null_distribution, b.null_distribution)


def test_join_count_moments_equal_the_permutation_distribution_and_esda_chi2():
    esda = pytest.importorskip("esda")
    libpysal = pytest.importorskip("libpysal")
    from diffusion.stats.nulls import permute_within
    from diffusion.stats.spatial import join_count_moments

    rng = np.random.default_rng(3)
    grid = libpysal.weights.lat2W(5, 6)
    adj = sparse.csr_matrix(grid.full()[0])
    y = (rng.random(30) < 0.4).astype(float)
    draws = permute_within(y, np.zeros(30), rng, 200_000)
    bb = 0.5 * np.asarray((draws @ adj.T) * draws).sum(axis=1)
    m = join_count_moments(y, adj)
    assert m["E_bb"] == pytest.approx(bb.mean(), rel=3e-3) and m["V_bb"] == pytest.approx(bb.var(), rel=2e-2)
    from diffusion.stats.spatial import _join_chi2

    jc = esda.Join_Counts(y, grid, permutations=0)
    assert _join_chi2(*join_counts(y, adj)) == pytest.approx((jc.chi2, jc.chi2_p), abs=1e-12)


def test_moran_per_practice_is_calibrated_where_the_pooled_statistic_is_not():
    """Random timing, clustered breadth: eastern provinces adopt most practices, at random periods.

    The earliest adoption of any practice is then earlier where more practices are adopted, so the
    pooled statistic rejects far more often than 5 %; per practice the timing is pure noise.
    """
    from diffusion import load_dataset

    geo = load_dataset("leading-cases").geography
    rng = np.random.default_rng(11)
    runs = {"practice": [], "any": []}
    for i in range(120):
        ds = contagion_dataset(geo, rng, contagion=False, practices=6, periods=10, breadth=True)
        for pooling, out in runs.items():
            out.append(moran_test(ds, pooling=pooling, n_permutations=99, seed=i, progress=False).p_value <= 0.05)
    assert np.mean(runs["any"]) >= 0.15  # 0.26 here
    assert 0.01 <= np.mean(runs["practice"]) <= 0.09  # 0.033


def test_curveball_keeps_margins_and_mixes():
    rng = np.random.default_rng(0)
    m = rng.random((30, 8)) < 0.3
    seen = set()
    for _ in range(20):
        r = curveball(m, rng)
        assert (r.sum(axis=0) == m.sum(axis=0)).all() and (r.sum(axis=1) == m.sum(axis=1)).all()
        seen.add(r.tobytes())
    assert len(seen) > 15


def test_coadoption_fdr_matches_statsmodels():
    from statsmodels.stats.multitest import multipletests

    from diffusion import load_dataset

    ds = load_dataset("leading-cases")
    r = coadoption_test(ds, **FAST)
    pairs = pd.DataFrame(r.details["pairs"])
    assert len(pairs) == 105  # 15 practices
    assert np.allclose(pairs["q_value"], multipletests(pairs["p_value"], method="fdr_bh")[1])
    tags = ds.cases.drop_duplicates("case_id")["practices"].str.split(";")
    both = sum({"party_building", "three_governance_integration"} <= set(t) for t in tags)
    row = pairs[(pairs["practice_a"] == "party_building") & (pairs["practice_b"] == "three_governance_integration")]
    assert int(row["observed"].iloc[0]) == both == 7  # the seven batch-4 cases of section 1


def test_person_period_table_by_hand(ds):
    pp = person_period(ds, "region")
    od = pp[pp["practice"] == "open_data"]
    assert od.groupby("region").size().to_dict() == {"R1": 1, "R2": 2, "R3": 3, "R4": 3, "R5": 2}
    ep = pp[pp["practice"] == "e_petition"]  # at risk from period 2, its first adoption
    assert ep.groupby("region").size().to_dict() == {"R1": 2, "R2": 1, "R3": 2, "R4": 2, "R5": 2}
    assert int(pp["adopted"].sum()) == 5 and int(pp["censored"].sum()) == 5
    assert od.set_index(["region", "period"]).at[("R2", 2), "neighbour_share"] == 0.5  # R1 of R1, R3
    assert od.set_index(["region", "period"]).at[("R3", 3), "neighbour_share"] == 0.5  # R2 of R2, R4


def test_event_history_recovers_a_planted_neighbour_effect():
    from diffusion import load_dataset

    ds = contagion_dataset(
        load_dataset("leading-cases").geography, np.random.default_rng(5), contagion=True, practices=6
    )
    r = event_history_test(ds)
    assert r.supported and r.statistic > 0 and r.p_value < 0.05
    terms = {row["term"] for row in r.details["coefficients"]}
    assert "neighbour_share" in terms and r.details["baseline"] == "practice-period"
    assert r.details["baseline_strata"] > 0 and r.details["clusters"] == 31


@pytest.mark.parametrize("link", ["logit", "cloglog"])
def test_event_history_jackknife_equals_statsmodels_refits_without_each_province(link):
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    from diffusion import load_dataset
    from diffusion.stats.model_design import strata as _strata

    ds = contagion_dataset(
        load_dataset("leading-cases").geography, np.random.default_rng(2), contagion=True, practices=6
    )
    r = event_history_test(ds, link=link, inference="jackknife")
    pp = _strata(person_period(ds), "practice-period").astype({"stratum": str, "macro_region": str})
    family = sm.families.Binomial(link=sm.families.links.Logit() if link == "logit" else sm.families.links.CLogLog())
    formula = "adopted ~ neighbour_share + C(macro_region) + C(stratum)"
    full = smf.glm(formula, data=pp, family=family).fit(method="irls" if link == "logit" else "newton")
    ours = pd.DataFrame(r.details["coefficients"]).set_index("term")
    assert 0 < r.statistic < 20 and r.details["region_periods"] == len(pp)
    assert np.allclose(ours["estimate"], full.params[ours.index], atol=1e-6)
    groups = pd.factorize(pp["cluster"])[0]
    g = groups.max() + 1
    estimates = []
    for c in range(g):  # the cluster jackknife, refitted by statsmodels without each province in turn
        rest = pp[groups != c]
        rate = rest.groupby("stratum")["adopted"].transform("mean")
        rest = rest[(rate > 0) & (rate < 1)]
        fit = smf.glm(formula, data=rest, family=family)
        estimates.append(fit.fit(method="irls" if link == "logit" else "newton").params[ours.index])
    b = np.array(estimates)
    se = pd.Series(np.sqrt((g - 1) / g * ((b - b.mean(axis=0)) ** 2).sum(axis=0)), index=ours.index)
    assert r.details["inference"].startswith("CR3")
    assert np.allclose(ours["se"], se, rtol=1e-5)
    # t on G - 1 degrees of freedom.
    assert np.allclose(ours["p_value"], 2 * stats.t.sf(np.abs(full.params[ours.index] / se), g - 1), atol=1e-6)


def contagion_dataset(geo, rng, *, contagion: bool, practices: int = 3, periods: int = 5, breadth: bool = False):
    """Synthetic province-level adoption on China's neighbour graph, with or without contagion.

    ``breadth``: without contagion, eastern provinces adopt each practice with probability 0.95 and
    the others with 0.15 (times still uniform): breadth clustered in space, timing random.
    """
    from diffusion.data.dataset import Dataset
    from diffusion.data.vocabulary import Vocabulary

    g = geo.neighbour_graph()
    units = sorted(g.nodes)
    rows = []
    for k in range(practices):
        when = {}
        if contagion:
            for u in rng.choice(units, 2, replace=False):
                when[u] = 1
            for t in range(2, periods + 1):
                for u in units:
                    if u in when:
                        continue
                    exposed = any(when.get(n, 99) < t for n in g.neighbors(u))
                    if rng.random() < (0.6 if exposed else 0.02):
                        when[u] = t
        else:
            for u in units:
                if rng.random() < (0.95 if breadth and geo.macro_region(u) == "East" else 0.15 if breadth else 0.4):
                    when[u] = int(rng.integers(1, periods + 1))
        rows += [{"unit_id": u, "practice": f"p{k}", "period": t} for u, t in when.items()]
    ev = pd.DataFrame(rows)
    ev = ev.assign(
        unit_name="",
        unit_level="province",
        geo_code=ev["unit_id"],
        province_code=ev["unit_id"],
        prefecture_code="",
        county_code="",
        macro_region=ev["unit_id"].map(geo.macro_region),
        series="synthetic",
        batch=ev["period"],
        year=2000 + ev["period"],
        date=(2000 + ev["period"]).astype(str),
        time_known=True,
        case_id=[f"c{i}" for i in range(len(ev))],
        confidence="",
    )
    ev["case_ids"] = ev["case_id"]
    cases = ev.rename(columns={"practice": "practices"})
    vocab = Vocabulary(pd.DataFrame({"tag_id": [f"p{k}" for k in range(practices)]}))
    batches = pd.DataFrame(
        {
            "series": "synthetic",
            "batch": [str(t) for t in range(1, periods + 1)],
            "date": [str(2000 + t) for t in range(1, periods + 1)],
            "official_count": "",
        }
    )
    return Dataset(
        name="synthetic",
        title="synthetic",
        cases=cases,
        events=ev,
        geography=geo,
        vocabulary=vocab,
        series=pd.DataFrame({"id": ["synthetic"], "label_en": ["synthetic"]}),
        batches=batches,
        warnings=pd.DataFrame(),
        input={},
    )


def test_neighbour_test_is_calibrated_under_no_contagion():
    from diffusion import load_dataset

    geo = load_dataset("leading-cases").geography
    rng = np.random.default_rng(2024)
    # 30 practices over 12 periods: enough adoptions that the share statistic is nearly continuous,
    # so ties with the observed value do not make the test conservative.
    rejections = [
        neighbour_test(
            contagion_dataset(geo, rng, contagion=False, practices=30, periods=12),
            n_permutations=99,
            seed=i,
            progress=False,
        ).p_value
        <= 0.05
        for i in range(200)
    ]
    assert 0.02 <= np.mean(rejections) <= 0.08


def test_neighbour_test_on_small_data_states_its_attained_size_and_mid_p():
    """5 practices x 5 periods: the coarse share ties often, so p <= 0.05 is rarer than 5 % under the
    null; each result estimates that rate from its own null draws, and offers the mid-p."""
    from diffusion import load_dataset

    geo = load_dataset("leading-cases").geography
    rng = np.random.default_rng(5)
    runs = [
        neighbour_test(contagion_dataset(geo, rng, contagion=False), n_permutations=199, seed=i, progress=False)
        for i in range(150)
    ]
    rejected = np.mean([r.p_value <= 0.05 for r in runs])
    assert rejected < 0.05
    assert np.mean([r.attained_size for r in runs]) == pytest.approx(rejected, abs=0.03)
    assert all(r.p_value_mid <= r.p_value for r in runs)
    assert 0.02 <= np.mean([r.p_value_mid <= 0.05 for r in runs]) <= 0.09
    coarse = next(r for r in runs if r.attained_size < 0.035)
    assert f"rejects {coarse.attained_size:.1%} of null datasets" in coarse.interpretation
    assert coarse.to_dict()["attained_size"] == coarse.attained_size


def test_neighbour_test_detects_planted_contagion():
    from diffusion import load_dataset

    geo = load_dataset("leading-cases").geography
    rng = np.random.default_rng(7)
    rejections = [
        neighbour_test(contagion_dataset(geo, rng, contagion=True), n_permutations=99, seed=i, progress=False).p_value
        <= 0.05
        for i in range(200)
    ]
    assert np.mean(rejections) >= 0.80


def test_scipy_mann_whitney_counts_pairs_as_we_do():
    x, y = np.array([1, 2, 2]), np.array([2, 3])
    # pairs (x earlier than y): (1,2) (1,3) (2,3) (2,3) + ties (2,2) (2,2) half each = 5
    assert stats.mannwhitneyu(y, x).statistic == 5.0


@pytest.mark.parametrize("seed", range(5))
def test_jonckheere_counts_equal_a_pair_by_pair_count(seed):
    from diffusion.stats.gradient import _jonckheere

    rng = np.random.default_rng(seed)
    n = 25
    times = rng.integers(1, 6, n).astype(float)
    ranks = rng.integers(0, 4, (6, n))
    expected = [
        sum(
            (t_i < t_j) + 0.5 * (t_i == t_j)
            for i, t_i in enumerate(times)
            for j, t_j in enumerate(times)
            if r[i] < r[j]
        )
        for r in ranks
    ]
    assert _jonckheere(times, ranks).tolist() == expected
    blocks = rng.integers(0, 3, n)  # only pairs within a block (a practice) count
    within = [
        sum(
            (t_i < t_j) + 0.5 * (t_i == t_j)
            for i, t_i in enumerate(times)
            for j, t_j in enumerate(times)
            if r[i] < r[j] and blocks[i] == blocks[j]
        )
        for r in ranks
    ]
    assert _jonckheere(times, ranks, blocks).tolist() == within


def test_event_history_is_calibrated_on_nulls_from_an_independent_generator():
    """A fast version of benchmarks/event_history_calibration.py (there: 200+ datasets per setting).

    The old model, with one baseline for all practices, rejected in 21 % to 77 % of such nulls.
    """
    import importlib.util
    import tempfile
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "calibration", Path(__file__).resolve().parents[1] / "benchmarks" / "event_history_calibration.py"
    )
    calibration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(calibration)
    folder = Path(tempfile.mkdtemp())
    hits, tested = calibration.rejection("rates", 80, 7, folder)
    # 5 % expected; 0.15 is 4 binomial standard errors above.
    assert min(tested.values()) >= 70 and max(hits[t] / tested[t] for t in hits) <= 0.15
    hits, tested = calibration.rejection("contagion", 15, 7, folder)
    assert tested["neighbour_share"] >= 14 and hits["neighbour_share"] / tested["neighbour_share"] >= 0.8
    hits, tested = calibration.rejection("shock", 40, 7, folder, model="dyad")
    assert min(tested.values()) >= 35 and max(hits[t] / tested[t] for t in hits) <= 0.2  # 4 standard errors
    hits, tested = calibration.rejection("shock", 40, 7, folder, model="vary")  # one slope in every practice?
    assert (
        tested["varies:neighbour_share"] >= 30
        and hits["varies:neighbour_share"] / tested["varies:neighbour_share"] <= 0.2
    )
