import networkx as nx
import pytest

from diffusion.data.geography import load_geography
from diffusion.errors import InputFileError, ValidationError


@pytest.fixture(scope="module")
def china():
    return load_geography()


def test_china_unit_counts(china):
    assert [china.population(lvl) for lvl in china.levels] == [31, 333, 2846]
    assert china.levels == ("province", "prefecture", "county")


def test_every_parent_resolves_and_levels_nest(china):
    units = china.units
    order = {lvl: k for k, lvl in enumerate(china.levels)}
    for _code, row in units.iterrows():
        if row["parent"]:
            assert row["parent"] in units.index
            assert order[units.at[row["parent"], "level"]] < order[row["level"]]
        else:
            assert row["level"] == "province"
    # Districts of municipalities hang directly under the province (no prefecture).
    assert units.at["110105", "parent"] == "11"
    assert china.ancestor_at("431322", "prefecture") == "431300"


def test_ancestors_at_agrees_with_one_code_at_a_time(china):
    codes = china.units.index.tolist()
    for level in china.levels:
        assert china.ancestors_at(codes, level) == [china.ancestor_at(c, level) or "" for c in codes]
    assert china.ancestors_at([], "county") == []
    with pytest.raises(KeyError, match="'nowhere'"):
        china.ancestors_at(["43", "nowhere"], "province")  # never another unit's ancestor


def test_neighbour_pairs_are_found_once_and_cannot_be_changed(china):
    units, pairs = china.neighbour_pairs("province")
    again_units, again = china.neighbour_pairs("province")
    assert again is pairs and again_units == units and again_units is not units  # the list is the caller's
    with pytest.raises(ValueError):
        pairs[0, 0] = 5  # shared by every caller: read-only
    graph = china.neighbour_graph("province")
    assert {frozenset((units[i], units[j])) for i, j in pairs.tolist()} == {frozenset(e) for e in graph.edges}


def test_macro_regions_follow_nbs(china):
    prov = china.level_units("province")
    assert prov["macro_region"].value_counts().to_dict() == {"West": 12, "East": 10, "Central": 6, "Northeast": 3}
    assert (china.units["macro_region"] != "").all()


def test_adjacency_is_symmetric_and_complete(china):
    adj = china.adjacency
    assert len(adj) == 69
    assert adj["kind"].value_counts().to_dict() == {"land": 68, "sea": 1}
    assert (adj["a"] < adj["b"]).all() and not adj.duplicated(["a", "b"]).any()
    g = china.neighbour_graph()
    assert g.number_of_nodes() == 31 and g.number_of_edges() == 69
    land = china.neighbour_graph(kinds=("land",))
    # Degrees stated in the source: Inner Mongolia 8, Shaanxi 8, Hebei 7, Sichuan 7, Hainan none by land.
    assert [land.degree(c) for c in ("15", "61", "13", "51", "46")] == [8, 8, 7, 7, 0]
    assert g.degree("46") == 1 and nx.is_connected(g)


def test_every_unit_has_its_own_point_but_five_new_counties(china):
    assert china.units.loc["11", ["lat", "lon"]].tolist() == pytest.approx([39.9075, 116.39723])  # capital
    # Xinhua county sits at 27.74 N, 111.30 E, 70 km west of Loudi, its prefecture seat (27.73 N, 112.00 E).
    assert china.units.loc["431322", ["lat", "lon"]].tolist() == pytest.approx([27.74, 111.30], abs=0.02)
    assert china.units.loc["431300", ["lat", "lon"]].tolist() == pytest.approx([27.73, 112.00], abs=0.02)
    below = china.units[china.units["level"] != "province"]
    missing = sorted(below.index[below["lat"].isna()])
    assert missing == ["460303", "653228", "653229", "659011", "659012"]
    assert china.points(missing)["point_of"].tolist() == ["460300", "653200", "653200", "65", "65"]


def test_user_geography_with_inferred_levels(five_regions):
    geo = load_geography(five_regions)
    assert geo.levels == ("state", "region")
    assert geo.population("region") == 5
    assert geo.neighbour_level == "region"
    assert sorted(geo.neighbour_graph().degree()) == [(f"R{i}", 2) for i in range(1, 6)]
    assert geo.label("R3") == "Cedarton"


def test_bad_user_geography_reports_every_problem(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "units.csv").write_text(
        "code,name,level,parent,lat\nA,Alpha,state,,91\nA,Again,state,,\nB,Beta,region,Z,\n", encoding="utf-8"
    )
    with pytest.raises(ValidationError) as err:
        load_geography(folder)
    problems = err.value.failures["problem"].tolist()
    assert problems.count("duplicate unit code") == 2
    assert "parent code not in units.csv" in problems and "invalid lat" in problems


def test_adjacency_errors(five_regions):
    (five_regions / "adjacency.csv").write_text("a,b\nR1,R9\nR2,R2\nR1,R2\nR2,R1\n", encoding="utf-8")
    with pytest.raises(ValidationError) as err:
        load_geography(five_regions)
    assert sorted(err.value.failures["problem"]) == [
        "a unit paired with itself",
        "code not in units.csv",
        "pair listed twice",
    ]


def test_parent_loop_is_reported(tmp_path):
    folder = tmp_path / "loop"
    folder.mkdir()
    (folder / "units.csv").write_text("code,name,level,parent\nA,Alpha,x,B\nB,Beta,x,A\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="loops"):
        load_geography(folder)


def test_missing_folder(tmp_path):
    with pytest.raises(InputFileError, match="geography folder not found"):
        load_geography(tmp_path / "nowhere")
