"""Weekly demand forecasts with measured accuracy: pure functions over pandas, no database.

The dashboards turn daily counts into weekly series (`weekly_series`), measure every
candidate method against the seasonal-naive baseline by rolling-origin backtests
(`backtest`), choose one method for all series by that measurement (`model_choose`), say
per series whether it beat the baseline (`baseline_beaten`), and forecast with it
(`forecast`). ADR 0016 records the candidates, the numbers and the choice.

Definitions (so the figures shown next to a forecast can be checked by hand):
- A week starts on Monday; `ds` is that Monday. Only whole weeks are kept.
- MASE is the mean absolute error over the horizon divided by the mean absolute error of
  the in-sample seasonal-naive forecast (lag 52 weeks) on the training data of the same
  backtest window, so it never looks past the forecast origin. Below 1 is better than a
  seasonal-naive forecast was in sample. A series whose training data repeats exactly
  year on year has no scale: its MASE is NaN and it does not count in any comparison.
- sMAPE is 100/h * sum(2|y - f| / (|y| + |f|)), 0 to 200 per cent; a week with y = f = 0
  counts as 0 (no error).
- Forecasts and interval bounds are clipped at 0 (demand is a count), in backtests too, so
  the accuracy measured is the accuracy of what is shown.

statsforecast (and statsmodels under it) take about two seconds to import, so they are
imported inside the functions that fit models, not when Django loads this module.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import holidays
import numpy as np
import pandas as pd

SEASON_LENGTH = 52  # weeks in a year, near enough: the baseline repeats the same week last year
BASELINE = "seasonal_naive"
FREQUENCY = "W-MON"
DEFAULT_HORIZON = 12
DEFAULT_WINDOWS = 4
DEFAULT_LEVELS = (80, 95)
DEFAULT_SUBDIVISION = "ENG"  # England and Wales bank holidays; "SCT" and "NIR" for the other nations
FOURIER_HARMONICS = 4  # sine/cosine pairs for the yearly cycle in the regression methods
MIN_SEASONS = 2  # the seasonal methods need two whole years of training data
_YEAR_DAYS = 365.2425
_EPOCH = dt.date(2000, 1, 3)  # a Monday
_SERIES_COLUMNS = ["unique_id", "ds", "y"]
_CONFORMAL_WINDOWS = 2

# --- Weekly series ------------------------------------------------------------------------------


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def _whole_weeks(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """Mondays of the weeks lying wholly within start..end: a part week would look like a fall in demand."""
    first = start if start.weekday() == 0 else week_start(start) + dt.timedelta(weeks=1)
    last = week_start(end + dt.timedelta(days=1)) - dt.timedelta(weeks=1)
    return pd.date_range(first, last, freq=FREQUENCY) if first <= last else pd.DatetimeIndex([])


def weekly_series(
    rows: Iterable[tuple[str, dt.date, int]], *, start: dt.date | None = None, end: dt.date | None = None
) -> pd.DataFrame:
    """Daily counts (series_id, day, count) as complete weekly series: `unique_id`, `ds` (Monday), `y`.

    Every series gets every whole week between `start` and `end` (by default the first and
    last days in `rows`), with 0 for weeks without rows; days outside those weeks are
    dropped. Pass `start` and `end` for the period the counts cover (e.g. to yesterday),
    since a quiet last day or two would otherwise be taken for the end of the data.
    """
    frame = pd.DataFrame(list(rows), columns=["unique_id", "day", "y"])
    if frame.empty:
        return _empty_series()
    start = start or min(frame["day"])
    end = end or max(frame["day"])
    weeks = _whole_weeks(start, end)
    frame["ds"] = pd.to_datetime([week_start(day) for day in frame["day"]])
    frame = frame[frame["ds"].isin(weeks)]
    totals = frame.groupby(["unique_id", "ds"])["y"].sum()
    full = pd.MultiIndex.from_product([sorted(set(frame["unique_id"])), weeks], names=["unique_id", "ds"])
    series = totals.reindex(full, fill_value=0).astype("int64").reset_index()
    return series[_SERIES_COLUMNS]


def _empty_series() -> pd.DataFrame:
    return pd.DataFrame(
        {"unique_id": pd.Series(dtype=str), "ds": pd.Series(dtype="datetime64[ns]"), "y": pd.Series(dtype="int64")}
    )


# --- Calendar regressors ------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _calendar(subdivision: str) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv=subdivision)


def bank_holidays_in_week(monday: dt.date, *, subdivision: str = DEFAULT_SUBDIVISION) -> int:
    """Bank holidays falling Monday to Friday in the week (days the council is closed).

    A holiday on a weekend does not count; its substitute weekday does (Christmas 2021:
    none in the week of 20 December, two in the week of 27 December).
    """
    calendar = _calendar(subdivision)
    return sum(monday + dt.timedelta(days=offset) in calendar for offset in range(5))


def calendar_regressors(
    weeks: Iterable[pd.Timestamp], *, subdivision: str = DEFAULT_SUBDIVISION, harmonics: int = FOURIER_HARMONICS
) -> pd.DataFrame:
    """Regressors known in advance for each week: bank holidays, and the yearly cycle as Fourier terms.

    The Fourier terms are functions of the calendar date (the week's Thursday), not of
    the row's position, so they line up for any start date and for future weeks alike.
    """
    mondays = [pd.Timestamp(week).date() for week in weeks]
    columns: dict[str, list[float]] = {
        "bank_holidays": [float(bank_holidays_in_week(monday, subdivision=subdivision)) for monday in mondays]
    }
    years = np.array([((monday - _EPOCH).days + 3) / _YEAR_DAYS for monday in mondays])
    for k in range(1, harmonics + 1):
        columns[f"sin_{k}"] = list(np.sin(2 * math.pi * k * years))
        columns[f"cos_{k}"] = list(np.cos(2 * math.pi * k * years))
    return pd.DataFrame(columns)


def _with_regressors(series: pd.DataFrame, *, subdivision: str) -> pd.DataFrame:
    regressors = calendar_regressors(series["ds"], subdivision=subdivision)
    return pd.concat([series[_SERIES_COLUMNS].reset_index(drop=True), regressors], axis=1)


def _future_regressors(series: pd.DataFrame, *, horizon: int, subdivision: str) -> pd.DataFrame:
    """The regressors for the `horizon` weeks after each series' last week."""
    last = series.groupby("unique_id")["ds"].max()
    future = pd.DataFrame(
        [
            (unique_id, end + pd.Timedelta(weeks=step))
            for unique_id, end in last.items()
            for step in range(1, horizon + 1)
        ],
        columns=["unique_id", "ds"],
    )
    regressors = calendar_regressors(future["ds"], subdivision=subdivision)
    return pd.concat([future, regressors], axis=1)


# --- Methods ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Method:
    """A forecasting method the backtest can measure: how to build it and whether it uses the regressors."""

    name: str
    description: str
    build: Callable[[int], Any]  # horizon -> a statsforecast model with alias=name
    regressors: bool = False
    interval_windows: int = 0  # horizons of history held back to calibrate conformal intervals

    def history_needed(self, horizon: int) -> int:
        """Weeks of history a forecast needs: two years, plus any held back for its intervals."""
        return MIN_SEASONS * SEASON_LENGTH + self.interval_windows * horizon


def _seasonal_naive(horizon: int) -> Any:
    from statsforecast.models import SeasonalNaive

    return SeasonalNaive(season_length=SEASON_LENGTH, alias=BASELINE)


def _mstl_ets(horizon: int) -> Any:
    from statsforecast.models import MSTL, AutoETS

    return MSTL(season_length=SEASON_LENGTH, trend_forecaster=AutoETS(model="ZZN"), alias="mstl_ets")


def _mstl_theta(horizon: int) -> Any:
    from statsforecast.models import MSTL, DynamicOptimizedTheta

    return MSTL(season_length=SEASON_LENGTH, trend_forecaster=DynamicOptimizedTheta(), alias="mstl_theta")


def _arima_fourier(horizon: int) -> Any:
    """A fixed AR(1) error: AutoARIMA's order search measured no better (ADR 0016) and took 16 times as long."""
    from statsforecast.models import ARIMA

    return ARIMA(order=(1, 0, 0), include_mean=True, alias="arima_fourier")


def _seasonal_average(horizon: int) -> Any:
    from statsforecast.models import SeasonalWindowAverage
    from statsforecast.utils import ConformalIntervals

    return SeasonalWindowAverage(
        season_length=SEASON_LENGTH,
        window_size=MIN_SEASONS,
        alias="seasonal_average",
        prediction_intervals=ConformalIntervals(h=horizon, n_windows=_CONFORMAL_WINDOWS),
    )


METHODS: dict[str, Method] = {
    method.name: method
    for method in (
        Method(BASELINE, "the same week last year (the baseline)", _seasonal_naive),
        Method(
            "seasonal_average",
            "the average of the same week in the last two years; conformal intervals",
            _seasonal_average,
            interval_windows=_CONFORMAL_WINDOWS,
        ),
        Method("mstl_ets", "STL yearly seasonality, ETS (no season) on the rest", _mstl_ets),
        Method("mstl_theta", "STL yearly seasonality, dynamic optimised Theta on the rest", _mstl_theta),
        Method(
            "arima_fourier",
            f"regression on {FOURIER_HARMONICS} yearly Fourier pairs and bank holidays in the week, AR(1) errors",
            _arima_fourier,
            regressors=True,
        ),
    )
}
CANDIDATES = tuple(METHODS)


def history_needed(*, horizon: int = DEFAULT_HORIZON, windows: int = DEFAULT_WINDOWS) -> int:
    """Weeks of history a backtest needs: two years before the first window's origin, then the windows."""
    return MIN_SEASONS * SEASON_LENGTH + horizon * windows


def _statsforecast_import() -> None:
    import statsforecast.models  # noqa: F401  (statsmodels comes with it: most of the import time)


def _statsforecast(method: Method, horizon: int) -> Any:
    from statsforecast import StatsForecast

    return StatsForecast(models=[method.build(horizon)], freq=FREQUENCY, n_jobs=1)


def _model_input(series: pd.DataFrame, method: Method, *, subdivision: str) -> pd.DataFrame:
    if method.regressors:
        return _with_regressors(series, subdivision=subdivision)
    return series[_SERIES_COLUMNS].reset_index(drop=True)


def _clip(frame: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    for column in columns:
        frame[column] = frame[column].clip(lower=0.0)
    return frame


# --- Accuracy -----------------------------------------------------------------------------------


def seasonal_naive_scale(training: np.ndarray, *, season_length: int = SEASON_LENGTH) -> float:
    """MASE's denominator: mean |y_t - y_(t-season)| over the training data (NaN if it has none)."""
    training = np.asarray(training, dtype=float)
    if len(training) <= season_length:
        return math.nan
    scale = float(np.mean(np.abs(training[season_length:] - training[:-season_length])))
    return scale if scale > 0 else math.nan


def mase(actual: np.ndarray, predicted: np.ndarray, *, scale: float) -> float:
    """Mean absolute error over the horizon in units of the in-sample seasonal-naive error."""
    errors = np.abs(np.asarray(actual, dtype=float) - np.asarray(predicted, dtype=float))
    return float(np.mean(errors) / scale) if scale > 0 else math.nan


def smape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Symmetric MAPE in per cent (0-200); a week where both are 0 counts as no error."""
    actual = np.asarray(actual, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    denominator = np.abs(actual) + np.abs(predicted)
    safe = np.where(denominator == 0, 1.0, denominator)
    terms = np.where(denominator == 0, 0.0, 2 * np.abs(actual - predicted) / safe)
    return float(100 * np.mean(terms))


# --- Backtest -----------------------------------------------------------------------------------


@dataclass
class BacktestResult:
    """What a rolling-origin backtest measured.

    `predictions`: one row per series, method, origin (`cutoff`) and week, with `y` and
    `forecast`. `windows`: MASE and sMAPE per series, method and origin. `scores`: their
    means over the origins per series and method. `seconds`: fitting time per method.
    """

    horizon: int
    windows: int
    methods: tuple[str, ...]
    predictions: pd.DataFrame
    window_scores: pd.DataFrame
    scores: pd.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)

    def table(self, metric: str = "mase") -> pd.DataFrame:
        """One row per series, one column per method."""
        return self.scores.pivot(index="unique_id", columns="method", values=metric)[list(self.methods)]

    def summary(self) -> pd.DataFrame:
        """Per method: mean MASE and sMAPE over the series, and on how many series it beat the baseline."""
        mase_table = self.table("mase").dropna()
        rows = []
        for method in self.methods:
            beaten = baseline_beaten(self, method)
            rows.append(
                {
                    "method": method,
                    "mase": float(mase_table[method].mean()),
                    "smape": float(self.table("smape")[method].mean()),
                    "beats_baseline": int(beaten.sum()),
                    "series": len(beaten),
                    "seconds": self.seconds.get(method, math.nan),
                }
            )
        return pd.DataFrame(rows).set_index("method")


def _check_history(series: pd.DataFrame, *, needed: int, purpose: str) -> None:
    """Refuse series too short for the seasonal methods, rather than fail inside a model or fit nonsense."""
    lengths = series.groupby("unique_id").size()
    short = lengths[lengths < needed]
    if series.empty or len(short):
        listed = ", ".join(f"{name} ({weeks})" for name, weeks in short.items()) or "no series given"
        raise ValueError(f"{purpose} needs {needed} weeks of history; too short: {listed}")


def _cross_validate(series: pd.DataFrame, method: Method, *, horizon: int, windows: int, subdivision: str) -> Any:
    """Forecasts from each origin, fitted only on the weeks up to it (statsforecast's cross-validation)."""
    model = _statsforecast(method, horizon)
    frame = model.cross_validation(
        df=_model_input(series, method, subdivision=subdivision), h=horizon, n_windows=windows, step_size=horizon
    )
    frame = frame.rename(columns={method.name: "forecast"})[["unique_id", "ds", "cutoff", "y", "forecast"]]
    frame["method"] = method.name
    return _clip(frame, ["forecast"])


def _window_scores(series: pd.DataFrame, predictions: pd.DataFrame) -> pd.DataFrame:
    """MASE and sMAPE per series, method and origin; the MASE scale uses only weeks up to the origin."""
    history = {unique_id: group.set_index("ds")["y"] for unique_id, group in series.groupby("unique_id")}
    rows = []
    for (unique_id, method, cutoff), group in predictions.groupby(["unique_id", "method", "cutoff"]):
        training = history[unique_id].loc[:cutoff].to_numpy()
        scale = seasonal_naive_scale(training)
        rows.append(
            {
                "unique_id": unique_id,
                "method": method,
                "cutoff": cutoff,
                "mase": mase(group["y"].to_numpy(), group["forecast"].to_numpy(), scale=scale),
                "smape": smape(group["y"].to_numpy(), group["forecast"].to_numpy()),
            }
        )
    return pd.DataFrame(rows)


def backtest(
    series: pd.DataFrame,
    *,
    horizon: int = DEFAULT_HORIZON,
    windows: int = DEFAULT_WINDOWS,
    methods: Sequence[str] = CANDIDATES,
    subdivision: str = DEFAULT_SUBDIVISION,
) -> BacktestResult:
    """Rolling-origin backtest: `windows` origins `horizon` weeks apart, the last `horizon` weeks before the end.

    Each method is refitted at each origin on the weeks up to it and scored on the
    `horizon` weeks after it. The seasonal-naive baseline is always measured.
    """
    needed = history_needed(horizon=horizon, windows=windows)
    _check_history(series, needed=needed, purpose=f"A backtest of {windows} windows of {horizon} weeks")
    _statsforecast_import()  # once, outside the timings
    names = tuple(dict.fromkeys([BASELINE, *methods]))
    frames = []
    seconds = {}
    for name in names:
        started = time.perf_counter()
        frames.append(_cross_validate(series, METHODS[name], horizon=horizon, windows=windows, subdivision=subdivision))
        seconds[name] = time.perf_counter() - started
    predictions = pd.concat(frames, ignore_index=True)
    window_scores = _window_scores(series, predictions)
    scores = window_scores.groupby(["unique_id", "method"], as_index=False)[["mase", "smape"]].mean()
    return BacktestResult(horizon, windows, names, predictions, window_scores, scores, seconds)


def model_choose(result: BacktestResult) -> str:
    """The one method with the lowest mean MASE over the series (the baseline when nothing measured better).

    Series without a MASE scale are left out of the mean for every method alike.
    Ties go to the baseline, then to the earlier candidate.
    """
    means = result.table("mase").dropna().mean()
    order = sorted(result.methods, key=lambda name: (means[name], name != BASELINE, result.methods.index(name)))
    return order[0]


def baseline_beaten(result: BacktestResult, method: str) -> pd.Series:
    """Per series: did `method` have a lower mean MASE than seasonal naive? Unmeasured counts as no."""
    table = result.table("mase")
    return (table[method] < table[BASELINE]).rename("beats_baseline")


def accuracy(result: BacktestResult, method: str) -> pd.DataFrame:
    """What to show next to each series' forecast: its backtest MASE and sMAPE, the baseline's, and the flag.

    One row per series: `unique_id`, `method`, `mase`, `smape`, `baseline_mase`,
    `baseline_smape`, `beats_baseline`.
    """
    mase_table = result.table("mase")
    smape_table = result.table("smape")
    frame = pd.DataFrame(
        {
            "method": method,
            "mase": mase_table[method],
            "smape": smape_table[method],
            "baseline_mase": mase_table[BASELINE],
            "baseline_smape": smape_table[BASELINE],
            "beats_baseline": baseline_beaten(result, method),
        }
    )
    return frame.rename_axis("unique_id").reset_index()


# --- Forecast -----------------------------------------------------------------------------------


def forecast(
    series: pd.DataFrame,
    *,
    method: str,
    horizon: int = DEFAULT_HORIZON,
    level: int | Sequence[int] = DEFAULT_LEVELS,
    subdivision: str = DEFAULT_SUBDIVISION,
) -> pd.DataFrame:
    """The next `horizon` weeks of every series: `unique_id`, `ds`, `forecast`, and `lo_<level>`/`hi_<level>`.

    Fitted on all the history given; the regression methods get the bank holidays and the
    yearly cycle of the future weeks, which are known in advance.
    """
    chosen = METHODS[method]
    _check_history(series, needed=chosen.history_needed(horizon), purpose=f"A {horizon}-week forecast by {method}")
    levels = sorted({level} if isinstance(level, int) else set(level))
    model = _statsforecast(chosen, horizon)
    future = _future_regressors(series, horizon=horizon, subdivision=subdivision) if chosen.regressors else None
    frame = model.forecast(
        df=_model_input(series, chosen, subdivision=subdivision), h=horizon, X_df=future, level=levels
    )
    columns = {chosen.name: "forecast"}
    for value in levels:
        columns[f"{chosen.name}-lo-{value}"] = f"lo_{value}"
        columns[f"{chosen.name}-hi-{value}"] = f"hi_{value}"
    frame = frame.rename(columns=columns)[["unique_id", "ds", *columns.values()]]
    frame.insert(2, "method", method)
    return _clip(frame, columns.values()).reset_index(drop=True)
