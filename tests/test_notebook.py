"""Working in a notebook: the report leaves the user's plotting backend and open figures alone."""

import subprocess
import sys

NOTEBOOK = """
import matplotlib
matplotlib.use("svg")  # stands for a notebook's inline backend: any backend the user chose
import matplotlib.pyplot as plt
mine = plt.figure()  # the user's own open figure
import diffusion
from diffusion.report.render import render_report
html = render_report(diffusion.load_dataset("leading-cases"))
print(matplotlib.get_backend(), plt.get_fignums() == [mine.number], "<svg" in html)
"""


def test_a_report_keeps_the_backend_and_the_open_figures_of_the_session():
    out = subprocess.run([sys.executable, "-c", NOTEBOOK], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.split() == ["svg", "True", "True"]


def test_objects_print_as_short_summaries_and_show_as_escaped_cards():
    from dataclasses import replace

    from diffusion import load_dataset
    from diffusion.network.build import build_network
    from diffusion.stats import fit_event_history, gradient_test

    ds = load_dataset("leading-cases")
    summaries = {
        "dataset": ds,
        "geography": ds.geography,
        "network": build_network(ds),
        "test": gradient_test(ds, n_permutations=99),
        "model": fit_event_history(ds),
    }
    for name, obj in summaries.items():
        text = repr(obj)
        assert len(text.splitlines()) <= 12 and len(text) < 3_000, name  # a summary, not the tables
        assert obj._repr_html_().startswith("<div") and "<table" in obj._repr_html_(), name
    text = repr(ds)
    assert "cases 42; adoption events 66; practices 15" in text and "26 of 123 cases placed in a batch" in text
    assert "province 31; prefecture 333; county 2846" in repr(ds.geography)
    assert repr(summaries["test"]).startswith("<TestResult 'gradient': statistic ")
    hostile = replace(ds, title="<script>alert(1)</script>", name="x")
    assert "<script>" not in hostile._repr_html_() and "&lt;script&gt;alert(1)&lt;/script&gt;" in hostile._repr_html_()


def test_a_test_result_as_a_one_row_table():
    from diffusion import load_dataset
    from diffusion.stats import gradient_test

    result = gradient_test(load_dataset("broadband-china"), n_permutations=99)
    row = result.to_frame().iloc[0]
    assert row["name"] == "gradient" and row["p_value"] == result.p_value and row["statistic"] == result.statistic
    assert (row["effect_lower"], row["effect_upper"]) == result.effect_ci
    assert row["interpretation"] == result.interpretation
