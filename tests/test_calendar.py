"""Time as time: periods with start dates and lengths, time units, Bass in real time, periods at risk.

The invented country (conftest) has cases in 2001 (batch 1), 2003 (batch 2) and 2005 (batch 3).
"""

from __future__ import annotations

import numpy as np
import pytest

from diffusion import load_dataset, read_cases
from diffusion.cli import main
from diffusion.data.calendar import build_calendar
from diffusion.data.periods import period_labels
from diffusion.errors import ParameterError
from diffusion.measures.bass import bass_cumulative, fit_bass
from diffusion.measures.spread import bass_times, spread_metrics
from diffusion.stats.event_history import person_period

LEADING = ["2019-05", "2020-07", "2020-12", "2021-10", "2022-11"]


def test_batch_periods_keep_their_start_and_length_in_days_counted_by_hand():
    periods, of = build_calendar(LEADING)
    assert periods["start"].tolist() == ["2019-05-01", "2020-07-01", "2020-12-01", "2021-10-01", "2022-11-01"]
    # 2019-05-01 to 2020-07-01: 366 days to 2020-05-01 (29 February 2020) + 31 + 30; then 153, 304 and
    # 396 days; the last period is its date's month, November: 30 days.
    assert periods["length"].tolist() == pytest.approx(
        [427 / 365.25, 153 / 365.25, 304 / 365.25, 396 / 365.25, 30 / 365.25]
    )
    assert [of[d] for d in LEADING] == [1, 2, 3, 4, 5]


def test_yearly_and_monthly_periods_include_the_empty_steps():
    periods, of = build_calendar(LEADING, "year")
    assert periods["date"].tolist() == ["2019", "2020", "2021", "2022"] and periods["length"].tolist() == pytest.approx(
        [1.0, 366 / 365.25, 1.0, 1.0], abs=1e-3
    )
    assert [of[d] for d in LEADING] == [1, 2, 2, 3, 4]  # 2020-07 and 2020-12 share the year 2020
    months, of = build_calendar(["2019-11", "2020-02-15"], "month")
    assert months["date"].tolist() == ["2019-11", "2019-12", "2020-01", "2020-02"] and of["2020-02-15"] == 4
    with pytest.raises(ParameterError, match="'month' needs a month in every date; 1 give a year only"):
        build_calendar(["2019", "2020-03"], "month")
    early, _ = build_calendar(["1691", "1700"], "year")
    assert len(early) == 10 and early["start"].iloc[0] == "1691-01-01"  # before pandas' timestamps begin
    batches, _ = build_calendar(["batch 001", "batch 002"])
    assert batches["length"].isna().all()
    with pytest.raises(ParameterError, match="needs dates; this dataset has batches only"):
        build_calendar(["batch 001"], "year")


def test_a_dataset_in_years_counts_the_years_between_its_batches(fiveland_cases, five_regions, fiveland_practices):
    kw = {"geography": five_regions, "vocabulary": fiveland_practices}
    by_batch = read_cases(fiveland_cases, **kw)
    by_year = read_cases(fiveland_cases, time="year", **kw)
    assert sorted(by_batch.events["period"].dropna().unique()) == [1, 2, 3]
    assert sorted(by_year.events["period"].dropna().unique()) == [1, 3, 5]
    assert by_year.calendar["date"].tolist() == ["2001", "2002", "2003", "2004", "2005"]
    # 2002 and 2004 published nothing: they are not periods at risk (e_petition: from 2003 on).
    pp = person_period(by_year, level="region", practice="e_petition")
    assert sorted(pp["period"].unique()) == [3, 5]
    assert pp.loc[pp["region"] == "R4", "adopted"].tolist() == [0, 1]


def test_the_bass_model_in_real_time_recovers_rates_per_year_from_unequal_steps():
    p, q, m = 0.03, 0.6, 500.0
    times = np.array([0.5, 1.0, 2.5, 3.0, 4.5, 6.0, 6.5, 8.0, 10.0])  # unequal steps, in years
    new = m * np.diff(bass_cumulative(np.r_[0.0, times], p, q))
    fit = fit_bass(new, times=times)
    assert (fit.p, fit.q, fit.m) == pytest.approx((p, q, m), rel=1e-4) and fit.per == "year"
    wrong = fit_bass(new)  # the same counts read as equal steps give other rates
    assert abs(wrong.q - q) > 0.05
    with pytest.raises(ParameterError, match="`times` must give one increasing end time"):
        fit_bass(new, times=times[::-1])


def test_spread_fits_bass_on_the_periods_real_times():
    ds = load_dataset("broadband-china", time="year")  # 2012-2016: five years (2012 and 2016 leap years)
    assert ds.calendar["length"].tolist() == pytest.approx(np.array([366, 365, 365, 365, 366]) / 365.25)
    timing = period_labels(ds).set_index("period")[["start", "length"]]
    assert bass_times(timing, np.array([1, 2, 3, 4, 5])).tolist() == pytest.approx(
        np.array([366, 732, 1097, 1462, 1827]) / 365.25, abs=1e-6
    )
    assert bass_times(timing, np.array([3, 4])).tolist() == pytest.approx([365 / 365.25, 730 / 365.25], abs=1e-6)
    metrics = spread_metrics(ds, by_series=False)
    assert (metrics["metric"] == "bass_q").sum() == ds.events["practice"].nunique()
    # The hazard per year is the hazard over the period's length: 2012 had 366 days.
    rows = metrics[(metrics["practice"] == "ip_demonstration_city") & (metrics["batch"] == 1)].set_index("metric")
    assert rows.at["hazard_provinces_per_year", "value"] == pytest.approx(
        rows.at["hazard_provinces", "value"] * 365.25 / 366
    )


def test_the_command_line_and_the_report_state_the_time_unit(
    tmp_path, capsys, fiveland_cases, five_regions, fiveland_practices
):
    args = ["--geography", str(five_regions), "--practices", str(fiveland_practices)]
    assert main(["validate", str(fiveland_cases), *args, "--time", "year"]) == 0
    assert "Time: 5 calendar years, from 2001 to 2005." in capsys.readouterr().err
    assert main(["report", "--data", str(fiveland_cases), *args, "--out", str(tmp_path)]) == 0
    html = next(tmp_path.glob("*.html")).read_text(encoding="utf-8")
    assert "Time: 3 periods, one per distinct date (batch), from 2001 to 2005, 2.00 to 2.00 years apart." in html
