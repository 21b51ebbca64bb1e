"""Adoption events from cases: the integer-coded grouping against a plain pandas explode and groupby."""

import numpy as np
import pandas as pd
import pytest

from diffusion import load_dataset
from diffusion.data.events import events_of

GEO = load_dataset("leading-cases").geography
LEVEL_CODES = [level + "_code" for level in GEO.levels]
FIRST = ["unit_name", "unit_level", "geo_code", *LEVEL_CODES, "series", "batch", "year", "confidence"]


def reference(cases: pd.DataFrame, period_of: dict[str, int]) -> pd.DataFrame:
    """What events are, written the obvious way: one row per practice named, grouped per event."""
    keys = ["unit_id", "practice", "date"]
    kept = cases[cases["unit_id"] != ""]
    rows = kept.assign(practice=kept["practices"].str.split(";")).explode("practice")
    rows = rows[rows["practice"] != ""].sort_values(["date", "case_id"], kind="stable")
    events = rows.groupby(keys, sort=True).agg(case_id=("case_id", "first"), **{c: (c, "first") for c in FIRST})
    events["case_ids"] = rows.groupby(keys, sort=True)["case_id"].agg(lambda ids: ";".join(sorted(set(ids))))
    events = events.reset_index()
    events["macro_region"] = events["province_code"].map(lambda c: GEO.macro_region(c) if c else "")
    events["period"] = events["date"].map(period_of).astype("Int64")
    events["time_known"] = events["date"] != ""
    return events.sort_values(["date", "unit_id", "practice"]).reset_index(drop=True)


def random_cases(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 300
    units = GEO.units.index[:12].tolist()
    unit = rng.choice([*units, ""], n)  # "" : a case without a unit is left out
    frame = pd.DataFrame(
        {
            "case_id": [f"C{i:03d}" for i in rng.permutation(n)],
            "unit_id": unit,
            "date": rng.choice(["2019-01-01", "2020-01-01", "2021-01-01", ""], n),
            "practices": [";".join(rng.choice(["a", "b", "c", "", "d"], rng.integers(1, 4))) for _ in range(n)],
            "unit_name": [f"name {u}" for u in unit],
            "unit_level": "province",
            "geo_code": unit,
            "series": rng.choice(["s1", "s2"], n),
            "batch": pd.array(np.where(rng.random(n) < 0.3, None, rng.integers(1, 5, n)), dtype="Int64"),
            "year": pd.array(rng.integers(2019, 2022, n), dtype="Int64"),
            "confidence": rng.choice(["high", "low"], n),
        }
    )
    for code in LEVEL_CODES:
        frame[code] = np.where(frame["unit_id"] != "", frame["unit_id"].str[:2], "")
    return frame.astype({c: "str" for c in frame.columns if frame[c].dtype == object})


@pytest.mark.parametrize("seed", range(5))
def test_events_equal_the_plain_grouping(seed):
    cases = random_cases(seed)
    period_of = {"2019-01-01": 1, "2020-01-01": 2, "2021-01-01": 3}
    got, expected = events_of(cases, GEO, period_of), reference(cases, period_of)
    assert (got["case_ids"].str.contains(";")).any()  # shared events occur
    assert cases["batch"].isna().any()  # so an event's first batch that is given is looked for, as groupby does
    pd.testing.assert_frame_equal(got, expected[got.columns], check_dtype=False)
