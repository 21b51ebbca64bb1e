"""CSV output: numbers read back exactly, text is written as pandas would, formulas neutralised."""

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from diffusion.output import write_csv


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=30))
def test_floats_read_back_exactly(tmp_path_factory, values):
    path = write_csv(pd.DataFrame({"x": values}), tmp_path_factory.mktemp("csv") / "f.csv")
    back = pd.read_csv(path, encoding="utf-8-sig")["x"].to_numpy(dtype=float)
    assert np.array_equal(back, np.array(values, dtype=float))


def test_every_kind_of_column(tmp_path):
    frame = pd.DataFrame(
        {
            "text": ["a,b", 'say "hi"', None],
            "category": pd.Categorical(["x", "=cmd", "x"]),
            "int": [1, 2, 3],
            "nullable": pd.array([1, None, 3], dtype="Int64"),
            "bool": [True, False, True],
            "date": pd.to_datetime(["2019-01-01", "2020-05-03", None]),
            "mixed": [1, "two", 3.5],
            "float": [0.1, np.nan, 1e-5],
        }
    )
    path = write_csv(frame, tmp_path / "k.csv")
    raw = path.read_bytes()
    assert raw.startswith("\ufeff".encode()) and b"\r" not in raw
    back = pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)
    assert back["text"].tolist() == ["a,b", 'say "hi"', ""]
    assert back["category"].tolist() == ["x", "'=cmd", "x"]  # neutralised in the categories too
    assert back["bool"].tolist() == [True, False, True]
    assert back["date"].tolist() == ["2019-01-01", "2020-05-03", ""]
    assert back["mixed"].tolist() == ["1", "two", "3.5"]
    assert back["nullable"].astype(str).tolist() == ["1", "", "3"]
    assert back["float"].tolist() == ["0.1", "", "0.00001"]  # shortest forms that read back exactly
    assert frame["category"].tolist() == ["x", "=cmd", "x"]  # the caller's table is not changed
