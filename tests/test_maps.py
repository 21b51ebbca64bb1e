"""Maps on coordinates: the equal-area projection, GeoJSON boundaries, dot maps and choropleths."""

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

import diffusion
from diffusion.data.boundaries import read_boundaries
from diffusion.data.distance import EARTH_RADIUS_KM
from diffusion.data.periods import period_groups
from diffusion.data.projection import centre_of, equal_area
from diffusion.errors import DiffusionError, InputFileError, ParameterError
from diffusion.report.figures import diffusion_network, period_colours
from diffusion.report.map_section import map_section
from diffusion.report.maps import NOT_REACHED, map_frame

pytestmark = pytest.mark.filterwarnings("ignore:Glyph:UserWarning")


@pytest.fixture(scope="module")
def broadband():
    return diffusion.load_dataset("broadband-china")


# -- projection ---------------------------------------------------------------------------------


def test_the_projection_is_the_lambert_azimuthal_equal_area_of_proj():
    pyproj = pytest.importorskip("pyproj")
    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(-60, 75, 200), rng.uniform(-180, 180, 200)
    for centre in [(35.0, 105.0), (45.0, -100.0), (-20.0, 140.0)]:
        proj = pyproj.Transformer.from_crs(
            f"+proj=lonlat +R={EARTH_RADIUS_KM * 1000}",
            f"+proj=laea +lat_0={centre[0]} +lon_0={centre[1]} +R={EARTH_RADIUS_KM * 1000}",
            always_xy=True,
        )
        ex, ey = proj.transform(lon, lat)
        x, y = equal_area(lat, lon, centre)
        far = np.degrees(np.arccos(np.clip(np.cos(np.radians(lat - centre[0])), -1, 1))) > 170
        np.testing.assert_allclose(x[~far], np.asarray(ex)[~far] / 1000, atol=1e-6)
        np.testing.assert_allclose(y[~far], np.asarray(ey)[~far] / 1000, atol=1e-6)


@pytest.mark.parametrize("lat0", [0.0, 20.0, 45.0, 64.0])
def test_a_one_degree_cell_keeps_its_area_on_the_sphere_wherever_it_lies(lat0):
    # Known answer: the cell between latitudes a and b and one degree of longitude has area
    # R^2 * dlon * (sin b - sin a). Projected centred on the US, Alaska's cells keep theirs.
    a, b, lon0 = lat0, lat0 + 1.0, -150.0
    edge = np.linspace(0, 1, 400)
    lats = np.concatenate([a + 0 * edge, a + edge, b + 0 * edge, b - edge])
    lons = np.concatenate([lon0 + edge, lon0 + 1 + 0 * edge, lon0 + 1 - edge, lon0 + 0 * edge])
    x, y = equal_area(lats, lons, centre=(39.0, -98.0))
    area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))
    truth = EARTH_RADIUS_KM**2 * np.radians(1.0) * (np.sin(np.radians(b)) - np.sin(np.radians(a)))
    assert area == pytest.approx(truth, rel=1e-4)


def test_the_centre_of_points_across_the_date_line_lies_between_them():
    assert centre_of([51.0, 51.0], [179.0, -179.0]) == pytest.approx((51.0, 180.0), abs=0.01)
    assert centre_of([np.nan, 10.0], [0.0, 20.0]) == pytest.approx((10.0, 20.0))
    assert centre_of([], []) == (0.0, 0.0)


# -- boundaries ---------------------------------------------------------------------------------


def _square(lon, lat, size=1.0, clockwise=False):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return ring[::-1] if clockwise else ring


def _feature(props, geometry):
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _collection(path, features, encoding="utf-8"):
    path.write_bytes(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode(encoding)
    )
    return path


@pytest.fixture
def provinces(tmp_path):
    """Three provinces by name, one of them a MultiPolygon with a hole, one feature naming nothing."""
    hole = _square(113.2, 28.2, 0.2)  # counter-clockwise in the file: must come back clockwise
    features = [
        _feature(
            {"id": 1, "name": "湖南省"}, {"type": "Polygon", "coordinates": [_square(113, 28, clockwise=True), hole]}
        ),
        _feature(
            {"id": 2, "name": "湖北省"},
            {"type": "MultiPolygon", "coordinates": [[_square(113, 30)], [_square(115, 30)]]},
        ),
        _feature({"id": 3, "name": "广东省"}, {"type": "Polygon", "coordinates": [_square(113, 23)]}),
        _feature({"id": 4, "name": "Atlantis"}, {"type": "Polygon", "coordinates": [_square(0, 0)]}),
        _feature({"id": 5, "name": "湖南省"}, {"type": "Point", "coordinates": [113, 28]}),
    ]
    return _collection(tmp_path / "provinces.geojson", features)


def _signed_area(ring):
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def test_boundaries_find_the_property_and_level_that_name_units(provinces):
    b = read_boundaries(provinces, diffusion.load_geography())
    assert (b.key, b.level) == ("name", "province")
    assert sorted(b.shapes) == ["42", "43", "44"] and b.unmatched == ("Atlantis",)
    assert len(b.shapes["42"]) == 2  # a MultiPolygon's two parts
    exterior, hole = b.shapes["43"]
    assert _signed_area(exterior) == pytest.approx(1.0) and _signed_area(hole) == pytest.approx(-0.04)
    assert b.vertices == 5 * 5


def test_boundaries_match_codes_given_as_numbers_and_gbk_files(tmp_path):
    features = [_feature({"adcode": 430000.0, "名称": "湖南"}, {"type": "Polygon", "coordinates": [_square(113, 28)]})]
    path = _collection(tmp_path / "gbk.geojson", features, encoding="gbk")
    b = read_boundaries(path, diffusion.load_geography())
    assert list(b.shapes) == ["43"]
    assert read_boundaries(path, diffusion.load_geography(), key="名称").key == "名称"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON (line 1"),
        ('{"type": "Topology"}', "a GeoJSON FeatureCollection was expected, found 'Topology'"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "湖南省"}, '
            '"geometry": {"type": "Point", "coordinates": [113, 28]}}]}',
            "none of its 1 features is a Polygon",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        _feature({"name": "湖南省"}, {"type": "Polygon", "coordinates": [_square(12e6, 3e6, 1e3)]})
                    ],
                }
            ),
            "not longitude/latitude degrees",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [_feature({"name": "Atlantis"}, {"type": "Polygon", "coordinates": [_square(0, 0)]})],
                }
            ),
            "no property of its features names a unit of the geography 'china'",
        ),
    ],
)
def test_bad_boundary_files_are_refused_with_the_file_and_the_fix(tmp_path, content, message):
    path = tmp_path / "bad.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputFileError, match=r"bad\.geojson") as err:
        read_boundaries(path, diffusion.load_geography())
    assert message in str(err.value)


def test_a_missing_key_lists_the_properties_there_are(provinces):
    with pytest.raises(InputFileError, match="no feature has the property 'code'; its properties are 'id', 'name'"):
        read_boundaries(provinces, diffusion.load_geography(), key="code")


# -- period groups ------------------------------------------------------------------------------


def test_two_hundred_yearly_periods_are_gathered_by_decades_or_longer(five_regions, tmp_path):
    years = range(1801, 2001)
    cases = pd.DataFrame(
        {"case_id": [f"c{y}" for y in years], "year": list(years), "region": "Ashford", "practices": "p"}
    )
    path = tmp_path / "long.csv"
    cases.to_csv(path, index=False)
    ds = diffusion.read_cases(path, geography=five_regions, extend_vocabulary=True)
    groups = period_groups(ds, most=12)
    assert groups["group"].max() <= 12 and groups["group"].is_monotonic_increasing
    assert groups["label"].iloc[0] == "1800–1819" and groups["label"].iloc[-1] == "2000–2019"  # 20-year spans
    assert groups.groupby("label")["period"].size().max() == 20
    assert period_groups(ds, most=300)["group"].tolist() == list(range(1, 201))  # few enough: one each


# -- the report's maps --------------------------------------------------------------------------


def test_each_panel_rings_the_units_of_its_own_period(broadband):
    out = map_section(broadband, "en")
    assert out["dots"] and out["choropleth"] is None and out["panels"] == 5
    ev = broadband.events[broadband.events["time_known"]]
    first = ev.groupby("geo_code")["period"].min()
    svg = str(out["dots"])
    assert svg.count("<g id=") > 0 and "<image" in svg  # 2,841 county seats as one picture
    assert out["borrowed"] == 0 and len(first) == 128


def test_the_dot_map_draws_every_adopter_by_the_period_at_its_projected_point(broadband):
    ax = diffusion.plot.map(broadband, 3, ax=Figure().subplots())
    earlier, ringed = ax.collections[-2], ax.collections[-1]
    ev = broadband.events[broadband.events["time_known"]]
    first = ev.groupby("geo_code")["period"].min()
    assert len(ringed.get_offsets()) == (first == 3).sum() and len(earlier.get_offsets()) == (first < 3).sum()
    frame = map_frame(broadband.geography)
    pts = broadband.geography.points(list(first[first == 3].index))
    expected = frame.project(pts["lat"], pts["lon"])
    got = np.asarray(ringed.get_offsets())
    assert sorted(map(tuple, np.round(got, 6))) == sorted(map(tuple, np.round(expected, 6)))
    # earlier darker: the colours of the first period are darker than those of the third
    colours = period_colours(5)
    assert sum(to_rgb(colours[0])) < sum(to_rgb(colours[2]))


def test_plot_map_refuses_a_period_the_data_do_not_have_and_a_geography_without_places(broadband, tmp_path):
    with pytest.raises(ParameterError, match="period 9 is not one of the dataset's periods 1–5"):
        diffusion.plot.map(broadband, 9, ax=Figure().subplots())
    geo = tmp_path / "noplace"
    geo.mkdir()
    (geo / "units.csv").write_text("code,name,level,parent\nA,Alpha,state,\nB,Beta,state,\n", encoding="utf-8")
    cases = tmp_path / "c.csv"
    cases.write_text("case_id,year,state,practices\n1,2001,Alpha,x\n2,2002,Beta,x\n", encoding="utf-8")
    ds = diffusion.read_cases(cases, geography=geo, extend_vocabulary=True)
    with pytest.raises(DiffusionError, match="has no coordinates"):
        diffusion.plot.map(ds, ax=Figure().subplots())
    assert map_section(ds, "en") is None


def test_a_choropleth_shades_the_units_reached_by_each_panel(broadband, provinces):
    b = read_boundaries(provinces, broadband.geography)
    out = map_section(broadband, "en", b)
    assert out["choropleth"] and "湖南" not in str(out["boundaries"]) and "'name'" in str(out["boundaries"])
    ax = diffusion.plot.map(broadband, 1, boundaries=b, ax=Figure().subplots())
    shapes = ax.collections[0]
    ev = broadband.events[broadband.events["time_known"]]
    reached = set(ev[ev["period"] == 1]["province_code"])
    grey = [tuple(np.round(f[:3], 3)) == tuple(np.round(NOT_REACHED, 3)) for f in shapes.get_facecolors()]
    assert grey == [code not in reached for code in sorted(b.shapes)]


def test_the_network_sits_at_the_projected_points_of_its_nodes():
    import networkx as nx

    g = nx.DiGraph()
    g.add_node("A", lat=40.0, lon=116.0)
    g.add_node("B", lat=31.0, lon=121.0)
    g.add_edge("A", "B", weight=1.0)
    frame = map_frame(diffusion.load_geography())
    ax = diffusion_network(g, ax=Figure().subplots(), frame=frame)
    nodes = [c for c in ax.collections if len(c.get_offsets()) == 2][-1]
    expected = frame.project([40.0, 31.0], [116.0, 121.0])
    np.testing.assert_allclose(np.asarray(nodes.get_offsets()), expected)


def test_the_report_takes_boundaries_from_the_command_line(provinces, tmp_path):
    from diffusion.cli import main

    main(["report", "--dataset", "broadband-china", "--boundaries", str(provinces), "--out", str(tmp_path / "r")])
    html = (tmp_path / "r" / "broadband-china-report.html").read_text(encoding="utf-8")
    assert 'id="maps"' in html and "Choropleth maps of 3 province units" in html
    missing = str(tmp_path / "none.geojson")
    argv = ["report", "--dataset", "leading-cases", "--boundaries", missing, "--out", str(tmp_path / "s")]
    assert main(argv) == 2
    assert not (tmp_path / "s").exists()  # refused before anything is written


@pytest.mark.parametrize("n_panels", [5, 12])
def test_map_panels_titles_and_legend_do_not_overlap(broadband, n_panels):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from diffusion.report.map_section import map_figure
    from diffusion.report.maps import BACKDROP, adopter_points, dot_map, first_groups

    frame = map_frame(broadband.geography)
    ev = broadband.events[broadband.events["time_known"]].assign(period=lambda d: d["period"].astype(int))
    points, first = adopter_points(broadband.geography, ev)
    labels = [f"{1800 + 20 * k}–{1819 + 20 * k}" for k in range(n_panels)]  # the longest labels periods get
    groups = pd.DataFrame({"period": range(1, 6), "group": range(1, 6), "label": labels[:5]})
    group = first_groups(first, groups)
    fig = map_figure(
        lambda ax, g: dot_map(ax, frame, points, group, g, n_panels, labels[g - 1]), frame, labels, "en", BACKDROP
    )
    renderer = FigureCanvasAgg(fig).get_renderer()
    titles = [ax.title.get_window_extent(renderer) for ax in fig.axes if ax.get_title()]
    assert len(titles) == n_panels
    assert not any(a.overlaps(b) for i, a in enumerate(titles) for b in titles[i + 1 :])
    legend = fig.legends[0].get_window_extent(renderer)
    maps = [ax.get_window_extent(renderer) for ax in fig.axes if ax.get_title()]
    assert not any(legend.overlaps(m) for m in maps + titles)
    inside = fig.bbox
    assert all(
        inside.x0 <= b.x0 and b.x1 <= inside.x1 and inside.y0 <= b.y0 and b.y1 <= inside.y1 for b in [*titles, legend]
    )
