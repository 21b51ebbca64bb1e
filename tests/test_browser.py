"""The reports in a real browser: headless Chromium loads them with no console errors, no resource
loads at all, every figure drawn with a non-zero size, and hostile text shown, never run.

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
