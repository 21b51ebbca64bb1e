"""A report of many practices and many periods stays small and readable: periods gathered, long tables cut,
every row and period kept in the CSV download and the JSON document."""

import base64
import gzip
import io
import json
import re

import pandas as pd
import pytest

import diffusion
from diffusion.report.render import embedded_csv
from diffusion.report.sections import table
from diffusion.simulate import SimulationParameters, planar_geography, write_simulation

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _csv(encoded: str) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(gzip.decompress(base64.b64decode(encoded))), encoding="utf-8-sig")


def test_a_long_table_keeps_every_row_for_the_download():
    frame = pd.DataFrame({"practice": [f"p{i}" for i in range(250)], "adopters": range(250)})
    t = table(frame, shown=100)
    assert t["shown"] == 100 and len(t["rows"]) == 250  # the JSON document keeps all
    back = _csv(embedded_csv(t, "en"))
    assert back.columns.tolist() == ["practice", "adopters"] and back["adopters"].tolist() == list(range(250))
    assert embedded_csv(t, "en") == embedded_csv(table(frame, shown=100), "en")  # same bytes every time


@pytest.fixture(scope="module")
def long_report(tmp_path_factory):
    """120 practices over 200 yearly periods (1801-2000) on 30 units: the shape of state-policy data, smaller."""
    root = tmp_path_factory.mktemp("long")
    params = SimulationParameters(
        level="county", practices=120, periods=200, pilots=1, p=0.002, q=0.01, promotion_period=None, start_year=1801
    )
    cases = write_simulation(root / "data", planar_geography(30, 3, seed=2), params, progress=False)
    ds = diffusion.read_cases(
        cases, geography=planar_geography(30, 3, seed=2), vocabulary=root / "data" / "practices.csv"
    )
    path = diffusion.write_report(ds, root / "out")
    return ds, path.read_text(encoding="utf-8"), json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def test_periods_are_gathered_on_the_page_and_complete_in_the_download(long_report):
    ds, html, doc = long_report
    counts = doc["counts"]
    spans = [c for c in counts["columns"] if re.fullmatch(r"\d{4}–\d{4}", c)]
    years = sorted({int(d[:4]) for d in ds.events.loc[ds.events["time_known"], "date"]})
    assert spans[0] == f"{years[0] // 10 * 10}–{years[0] // 10 * 10 + 9}" and len(spans) <= 24  # decades
    full = counts["full"]
    assert len(full["columns"]) - len(counts["columns"]) == ds.events["period"].nunique() - len(spans)
    # the page's decade is the distinct units of its ten years: never more than the sum of the years
    page = pd.DataFrame(counts["rows"], columns=counts["columns"]).set_index("tag")
    every = pd.DataFrame(full["rows"], columns=full["columns"]).set_index("tag")
    decade = [c for c in every.columns if c[:3] == spans[1][:3] and c[:4].isdigit()]
    assert (page[spans[1]] <= every[decade].sum(axis=1)).all() and page[spans[1]].sum() > 0
    adoption = html[html.index('<section id="adoption">') : html.index("</section>", html.index('id="adoption"'))]
    assert "span of years" in adoption and "period (series batch)" not in adoption  # the heatmap's columns
    downloads = re.findall(r'data-csv="([^"]+)"', html)
    assert any(len(_csv(d).columns) == len(full["columns"]) for d in downloads)


def test_long_tables_show_their_first_rows_and_say_so(long_report):
    ds, html, doc = long_report
    n = ds.events["practice"].nunique()
    assert n > 100 and len(doc["counts"]["rows"]) == n
    assert f"The first 100 of {n} rows" in html
    counts_html = html[html.index('<section id="adoption">') : html.index("</section>", html.index('id="adoption"'))]
    assert counts_html.count("<tr>") == 100 + 1  # the heading row and the first 100


def test_the_maps_have_one_panel_per_span_of_years(long_report):
    ds, _, doc = long_report
    years = {int(d[:4]) for d in ds.events.loc[ds.events["time_known"], "date"]}
    span = next(s for s in (1, 2, 5, 10, 20, 25, 50) if len({y // s for y in years}) <= 12)
    assert doc["maps"]["grouped"] and doc["maps"]["panels"] == len({y // span for y in years})


def test_the_page_stays_small(long_report):
    _, html, _ = long_report
    assert len(html.encode("utf-8")) < 1_500_000
