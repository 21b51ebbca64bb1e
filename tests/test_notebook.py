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
