"""The reports in a real browser: headless Chromium loads them with no console errors, no resource
loads at all, every figure drawn with a non-zero size, hostile text shown, never run, and a cut
table's CSV button saving every row.

.ci/run installs Debian's chromium; where it is missing these tests are skipped.
"""

import shutil
import subprocess

import pytest

from diffusion import load_dataset, read_cases
from diffusion.report.render import write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


def open_in_chromium(path, tmp_path, *extra):
    proc = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, path.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    return proc.stdout, console


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", ["leading-cases", "broadband-china"])
def test_bundled_reports_render_cleanly(name, lang, tmp_path):
    report = write_report(load_dataset(name), tmp_path / "out", lang=lang)
    dom, console = open_in_chromium(report, tmp_path, "--dump-dom")
    assert console == []  # no errors, no warnings, nothing logged at all
    html_tag = dom[dom.index("<html") : dom.index(">", dom.index("<html"))]
    assert 'data-figures="ok"' in html_tag  # every figure has a non-zero size
    assert 'data-resources="0"' in html_tag  # nothing was loaded from anywhere
    assert dom.count('class="csv"') >= 5  # the table script ran: one CSV button per table
    shot = tmp_path / f"{name}-{lang}.png"
    open_in_chromium(report, tmp_path, f"--screenshot={shot}", "--window-size=1200,2400")
    assert shot.stat().st_size > 50_000


def test_hostile_text_is_shown_not_run(write, tmp_path):
    payload = "<img src=x onerror=document.title='pwned'><script>document.title='pwned'</script>"
    cell = '"' + payload + '"'
    # Every free-text field: id, series, title, township, village, practice, sources, notes.
    path = write(
        "evil.csv",
        "case_id,series,year,province,county,township,village,title,practices,sources,notes\n"
        f"{cell},{cell},2020,湖南省,新化县,{cell},{cell},{cell},{cell},{cell},{cell}\n",
    )
    report = write_report(read_cases(path, extend_vocabulary=True), tmp_path / "out")
    dom, console = open_in_chromium(report, tmp_path, "--dump-dom")
    assert "pwned" not in dom[dom.index("<title>") : dom.index("</title>")]
    assert console == []
    assert "&lt;script&gt;document.title" in dom


#: Appended to a copy of a report by the test below: clicks every CSV button, keeps the files the page
#: would save (in place of saving them), and writes their text into the page for --dump-dom to show.
CLICK_EVERY_DOWNLOAD = """<script>
(function () {
  var saved = [];
  URL.createObjectURL = function (blob) { saved.push(blob); return "about:blank"; };
  HTMLAnchorElement.prototype.click = function () {};
  var buttons = document.querySelectorAll("button.csv");
  buttons.forEach(function (b) { b.click(); });
  var wait = setInterval(function () {
    if (saved.length < buttons.length) { return; }
    clearInterval(wait);
    Promise.all(saved.map(function (b) { return b.text(); })).then(function (texts) {
      var out = document.createElement("pre");
      out.id = "downloads";
      out.textContent = JSON.stringify(texts);
      document.body.appendChild(out);
    });
  }, 10);
}());
</script>"""


def test_a_cut_table_downloads_every_row_from_the_page(tmp_path):
    import base64
    import gzip
    import html
    import json
    import re

    from diffusion.simulate import SimulationParameters, planar_geography, write_simulation

    params = SimulationParameters(
        level="county", practices=120, periods=30, pilots=1, p=0.004, q=0.02, promotion_period=None, start_year=1971
    )
    geo = planar_geography(30, 3, seed=2)
    cases = write_simulation(tmp_path / "data", geo, params, progress=False)
    ds = read_cases(cases, geography=geo, vocabulary=tmp_path / "data" / "practices.csv")
    page = write_report(ds, tmp_path / "out").read_text(encoding="utf-8")
    embedded = re.findall(r'data-csv="([^"]+)"', page)
    assert embedded  # at least one table is cut on the page (120 practices, 100 rows shown)
    clicked = tmp_path / "clicked.html"
    clicked.write_text(page.replace("</body>", CLICK_EVERY_DOWNLOAD + "</body>"), encoding="utf-8")
    dom, console = open_in_chromium(clicked, tmp_path, "--dump-dom", "--virtual-time-budget=10000")
    assert console == []
    found = re.search(r'<pre id="downloads">(.*?)</pre>', dom, re.S)
    assert found, "the page did not finish its downloads"
    texts = json.loads(html.unescape(found.group(1)))
    complete = [gzip.decompress(base64.b64decode(e)).decode("utf-8-sig") for e in embedded]
    assert all(text in texts for text in complete)  # the gzipped tables, unpacked by the page, byte for byte
    longest = max(complete, key=len)
    assert len(longest.strip().splitlines()) > 101  # every row, not the 100 the page shows
