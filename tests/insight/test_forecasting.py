"""Weekly demand forecasting on synthetic series whose structure is known: no database."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from townhall.insight import forecasting
from townhall.insight.forecasting import BASELINE, BacktestResult

FIRST_MONDAY = dt.date(2022, 1, 3)


def _series(values_by_id: dict[str, np.ndarray], *, first: dt.date = FIRST_MONDAY) -> pd.DataFrame:
    frames = [
        pd.DataFrame(
            {"unique_id": unique_id, "ds": pd.date_range(first, periods=len(values), freq="W-MON"), "y": values}
        )
        for unique_id, values in values_by_id.items()
    ]
    return pd.concat(frames, ignore_index=True)


def _seasonal_trend(weeks: int, *, seed: int) -> np.ndarray:
    """A yearly cycle on a rising trend with a little noise: what a seasonal model should capture."""
    rng = np.random.default_rng(seed)
    t = np.arange(weeks)
    return 100 + 0.4 * t + 40 * np.sin(2 * math.pi * t / 52.18) + rng.normal(0, 4, weeks)


# --- weekly_series ------------------------------------------------------------------------------


def test_weekly_series_sums_days_into_monday_weeks_and_fills_missing_weeks_with_zero():
    rows = [
        ("pothole", dt.date(2024, 1, 3), 2),  # Wednesday of the week of Monday 1 January
        ("pothole", dt.date(2024, 1, 7), 3),  # its Sunday
        ("pothole", dt.date(2024, 1, 15), 4),  # nothing in the week of 8 January
        ("litter", dt.date(2024, 1, 21), 1),  # litter only in the last week
    ]

    series = forecasting.weekly_series(rows, start=dt.date(2024, 1, 1), end=dt.date(2024, 1, 21))

    weeks = list(pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15"]))
    pothole = series[series["unique_id"] == "pothole"]
    litter = series[series["unique_id"] == "litter"]
    assert list(series.columns) == ["unique_id", "ds", "y"]
    assert list(pothole["ds"]) == weeks
    assert list(pothole["y"]) == [5, 0, 4]
    assert list(litter["ds"]) == weeks
    assert list(litter["y"]) == [0, 0, 1]


def test_weekly_series_keeps_only_whole_weeks():
    rows = [
        ("pothole", dt.date(2024, 1, 3), 9),  # before the first whole week from Wednesday 3 January
        ("pothole", dt.date(2024, 1, 8), 1),
        ("pothole", dt.date(2024, 1, 15), 7),  # in the week cut short by the end on Saturday 20th
    ]

    series = forecasting.weekly_series(rows, start=dt.date(2024, 1, 3), end=dt.date(2024, 1, 20))

    assert list(series["ds"]) == [pd.Timestamp("2024-01-08")]
    assert list(series["y"]) == [1]


def test_weekly_series_of_nothing_is_empty_with_the_columns():
    series = forecasting.weekly_series([])

    assert series.empty
    assert list(series.columns) == ["unique_id", "ds", "y"]


# --- Accuracy measures, worked by hand ----------------------------------------------------------


def test_mase_scales_by_the_in_sample_seasonal_naive_error():
    training = np.array([1, 2, 3, 4, 5, 6])  # with a season of 2, every y_t - y_(t-2) is 2

    scale = forecasting.seasonal_naive_scale(training, season_length=2)

    assert scale == 2.0
    # errors |7 - 5| = 2 and |8 - 9| = 1: mean 1.5, over 2
    assert forecasting.mase(np.array([7, 8]), np.array([5, 9]), scale=scale) == 0.75


def test_mase_has_no_scale_when_the_training_data_repeats_exactly_or_is_too_short():
    assert math.isnan(forecasting.seasonal_naive_scale(np.array([3, 5, 3, 5, 3, 5]), season_length=2))
    assert math.isnan(forecasting.seasonal_naive_scale(np.array([3, 5]), season_length=2))
    assert math.isnan(forecasting.mase(np.array([1]), np.array([2]), scale=math.nan))


def test_smape_counts_weeks_where_both_are_zero_as_no_error():
    # 2*10/210, then 0 (both zero), then 2*50/50 = 2; mean over 3 weeks, in per cent
    value = forecasting.smape(np.array([100, 0, 50]), np.array([110, 0, 0]))

    assert value == pytest.approx(100 * (20 / 210 + 0 + 2) / 3)
    assert value == pytest.approx(69.8413, abs=1e-4)


# --- Bank holiday regressor ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("monday", "subdivision", "expected"),
    [
        (dt.date(2023, 12, 25), "ENG", 2),  # Christmas Day and Boxing Day on Monday and Tuesday
        (dt.date(2021, 12, 20), "ENG", 0),  # Christmas 2021 fell on the weekend...
        (dt.date(2021, 12, 27), "ENG", 2),  # ...so both substitute days are in the next week
        (dt.date(2024, 3, 25), "ENG", 1),  # Good Friday, 29 March 2024
        (dt.date(2024, 4, 1), "ENG", 1),  # Easter Monday
        (dt.date(2024, 3, 18), "ENG", 0),
        (dt.date(2024, 1, 1), "ENG", 1),  # New Year's Day only in England and Wales
        (dt.date(2024, 1, 1), "SCT", 2),  # Scotland has 2 January too
    ],
)
def test_bank_holidays_in_week_counts_weekday_holidays(monday, subdivision, expected):
    assert forecasting.bank_holidays_in_week(monday, subdivision=subdivision) == expected


def test_future_weeks_get_their_bank_holidays():
    series = _series({"pothole": np.ones(3)}, first=dt.date(2026, 12, 7))  # ends with the week of 21 December

    future = forecasting._future_regressors(series, horizon=3, subdivision="ENG")

    assert list(future["ds"]) == list(pd.to_datetime(["2026-12-28", "2027-01-04", "2027-01-11"]))
    # Boxing Day 2026 is a Saturday: its substitute is Monday 28 December; New Year's Day is that Friday
    assert list(future["bank_holidays"]) == [2, 0, 0]


def test_fourier_terms_follow_the_calendar_not_the_row_position():
    weeks = pd.to_datetime(["2023-06-05", "2024-06-03"])  # the same week a year apart

    regressors = forecasting.calendar_regressors(weeks)

    assert regressors["sin_1"][0] == pytest.approx(regressors["sin_1"][1], abs=0.05)
    assert regressors["cos_1"][0] == pytest.approx(regressors["cos_1"][1], abs=0.05)


# --- Forecasts ----------------------------------------------------------------------------------


def test_seasonal_naive_repeats_the_same_weeks_last_year():
    rng = np.random.default_rng(3)
    values = rng.integers(0, 50, 110).astype(float)
    series = _series({"litter": values})

    result = forecasting.forecast(series, method=BASELINE, horizon=12)

    assert list(result["forecast"]) == list(values[-52:-40])
    last = series["ds"].max()
    assert list(result["ds"]) == [last + pd.Timedelta(weeks=step) for step in range(1, 13)]


@pytest.mark.parametrize("method", ["arima_fourier", "mstl_ets"])
def test_intervals_contain_the_forecast_and_widen_with_the_horizon(method):
    series = _series({"pothole": _seasonal_trend(110, seed=1)})

    result = forecasting.forecast(series, method=method, horizon=12, level=(80, 95))

    assert (result["lo_95"] <= result["lo_80"]).all()
    assert (result["lo_80"] <= result["forecast"]).all()
    assert (result["forecast"] <= result["hi_80"]).all()
    assert (result["hi_80"] <= result["hi_95"]).all()
    width = (result["hi_95"] - result["lo_95"]).to_numpy()
    assert (np.diff(width) >= -1e-9).all()
    assert width[-1] > width[0]


def test_forecasts_and_bounds_are_never_negative_and_one_level_gives_one_interval():
    rng = np.random.default_rng(5)
    series = _series({"needles": rng.poisson(0.5, 110).astype(float)})  # mostly zeros

    result = forecasting.forecast(series, method="arima_fourier", horizon=6, level=80)

    assert list(result.columns) == ["unique_id", "ds", "method", "forecast", "lo_80", "hi_80"]
    assert (result[["forecast", "lo_80", "hi_80"]] >= 0).all().all()
    assert result["lo_80"].min() == 0  # the lower bound went below zero and was clipped


def test_forecast_refuses_less_than_two_years():
    with pytest.raises(ValueError, match="104 weeks"):
        forecasting.forecast(_series({"pothole": np.ones(60)}), method=BASELINE)


# --- Backtest and choice ------------------------------------------------------------------------


def test_backtest_never_sees_the_weeks_after_its_origin():
    """A step change just after the last origin: no origin's forecasts may show it."""
    weeks = forecasting.history_needed(horizon=12, windows=2)  # 128
    rng = np.random.default_rng(2)
    values = 10 + rng.normal(0, 1, weeks)
    values[weeks - 12 :] += 90  # demand jumps to about 100 in the last window's forecast weeks
    series = _series({"pothole": values})

    result = forecasting.backtest(series, horizon=12, windows=2)

    predictions = result.predictions
    assert set(predictions["method"]) == set(forecasting.CANDIDATES)
    assert predictions["cutoff"].nunique() == 2
    assert (predictions["ds"] > predictions["cutoff"]).all()
    assert predictions["forecast"].max() < 30
    # ...and the step is there to be missed: the last window's actual weeks all jumped
    last_window = predictions[predictions["cutoff"] == predictions["cutoff"].max()]
    assert last_window["y"].min() > 80


def test_backtest_scores_each_origin_with_only_its_own_training_data():
    series = _series({"pothole": _seasonal_trend(128, seed=4)})

    result = forecasting.backtest(series, horizon=12, windows=2, methods=[BASELINE])

    values = series["y"].to_numpy()
    for _, window in result.window_scores.iterrows():
        origin = int(np.flatnonzero(series["ds"] == window["cutoff"])[0])
        actual = values[origin + 1 : origin + 13]
        scale = np.mean(np.abs(values[52 : origin + 1] - values[: origin + 1 - 52]))
        expected = np.mean(np.abs(actual - values[origin + 1 - 52 : origin + 13 - 52])) / scale
        assert window["mase"] == pytest.approx(expected)


def test_a_seasonal_model_beats_seasonal_naive_on_a_seasonal_series_with_trend():
    series = _series({"a": _seasonal_trend(152, seed=7), "b": _seasonal_trend(152, seed=8)})

    result = forecasting.backtest(series, horizon=12, windows=4, methods=["arima_fourier", "mstl_ets"])

    chosen = forecasting.model_choose(result)
    assert chosen != BASELINE
    table = result.table("mase")
    assert table[chosen].mean() < table[BASELINE].mean()
    assert forecasting.baseline_beaten(result, chosen).all()


def test_on_pure_noise_the_flags_say_exactly_what_was_measured():
    rng = np.random.default_rng(11)
    series = _series({name: rng.poisson(20, 152).astype(float) for name in ("a", "b", "c", "d")})

    result = forecasting.backtest(series, horizon=12, windows=4)

    chosen = forecasting.model_choose(result)
    means = result.window_scores.groupby(["unique_id", "method"])["mase"].mean().unstack()
    assert means.mean().idxmin() == chosen
    flags = forecasting.baseline_beaten(result, chosen)
    for unique_id, beats in flags.items():
        assert beats == (means.loc[unique_id, chosen] < means.loc[unique_id, BASELINE])
    assert result.summary().loc[chosen, "beats_baseline"] == flags.sum()
    assert not forecasting.baseline_beaten(result, BASELINE).any()


def _result(mase_by_method: dict[str, list[float]]) -> BacktestResult:
    methods = tuple(mase_by_method)
    scores = pd.DataFrame(
        [
            {"unique_id": f"s{index}", "method": method, "mase": value, "smape": 10 * value}
            for method, values in mase_by_method.items()
            for index, value in enumerate(values)
        ]
    )
    return BacktestResult(12, 4, methods, pd.DataFrame(), pd.DataFrame(), scores)


def test_the_chooser_keeps_the_baseline_when_nothing_measured_better():
    result = _result({BASELINE: [0.9, 1.0, 1.1], "mstl_ets": [1.2, 0.9, 1.3], "arima_fourier": [0.9, 1.0, 1.1]})

    assert forecasting.model_choose(result) == BASELINE  # a tie goes to the baseline
    assert list(forecasting.baseline_beaten(result, "mstl_ets")) == [False, True, False]
    assert not forecasting.baseline_beaten(result, "arima_fourier").any()


def test_the_chooser_leaves_out_series_without_a_scale_and_never_counts_them_as_beaten():
    result = _result({BASELINE: [1.0, math.nan, 1.0], "mstl_ets": [0.8, math.nan, 0.9]})

    assert forecasting.model_choose(result) == "mstl_ets"
    assert list(forecasting.baseline_beaten(result, "mstl_ets")) == [True, False, True]


def test_backtest_refuses_series_too_short_for_its_windows():
    series = _series({"pothole": np.ones(120), "litter": np.ones(160)})

    with pytest.raises(ValueError, match=r"152 weeks.*pothole \(120\)"):
        forecasting.backtest(series, horizon=12, windows=4)


def test_a_method_with_conformal_intervals_needs_history_held_back_for_them():
    series = _series({"pothole": np.ones(110)})

    with pytest.raises(ValueError, match="128 weeks"):
        forecasting.forecast(series, method="seasonal_average", horizon=12)


def test_accuracy_puts_each_series_beside_the_baseline():
    result = _result({BASELINE: [1.0, 0.5], "mstl_ets": [0.8, 0.6]})

    table = forecasting.accuracy(result, "mstl_ets")

    assert list(table["unique_id"]) == ["s0", "s1"]
    assert list(table["mase"]) == [0.8, 0.6]
    assert list(table["baseline_mase"]) == [1.0, 0.5]
    assert list(table["smape"]) == [8.0, 6.0]
    assert list(table["beats_baseline"]) == [True, False]
