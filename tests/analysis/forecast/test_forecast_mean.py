"""The mean (``point="mean"``) of log-modelled forecasts: Duan's smearing factor.

Every expected value here is worked out by hand or with plain numpy, not with the
forecast code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planning_lib.analysis.forecast.api import auto_forecast
from planning_lib.analysis.forecast.baseline import no_change_bookings
from planning_lib.analysis.forecast.selection import smearing_factor

# the new-user trial's bookings (EUR per close month 2024-01..2025-11, rounded to whole
# euros): the won amounts of /tmp/newuser/canonical/deals.csv summed by close month; the
# first month is a partial one (the CRM export starts in it)
TRIAL_BOOKINGS = [
    10206, 192230, 160767, 368918, 100110, 199096, 279371, 117032, 438925, 148885, 189866,
    118416, 257583, 57418, 412153, 262202, 260402, 37508, 186864, 151969, 56470, 212934,
    283863,
]  # fmt: skip


def _monthly(values, start: str = "2022-01") -> pd.Series:
    return pd.Series(values, index=pd.period_range(start, periods=len(values), freq="M"))


def test_smearing_factor_is_the_mean_of_exp_of_the_centred_errors():
    """12 backtest errors, six of -0.4 and six of +0.6, all one step ahead (sd 1 there).

    Centred on their mean 0.1 they are ±0.5, so the factor of step 1 is
    (exp(-0.5) + exp(0.5)) / 2 = cosh(0.5) = 1.127626; step 2 has twice the sd, so the
    standardised errors ±0.5 count twice: cosh(1.0) = 1.543081. With 11 errors (fewer than
    12) the in-sample residuals ±0.2 are used instead (step-0 sd 1): cosh(0.2) = 1.020067
    and cosh(0.4) = 1.081072.
    """
    errors = np.array([-0.4] * 6 + [0.6] * 6)
    steps = np.zeros(12, dtype=int)
    residuals = np.array([-0.2, 0.2, -0.2, 0.2])
    sigma = np.array([1.0, 2.0])
    got = smearing_factor(errors, steps, residuals, sigma)
    np.testing.assert_allclose(got, [1.127626, 1.543081], rtol=1e-6)
    got = smearing_factor(errors[:11], steps[:11], residuals, sigma)
    np.testing.assert_allclose(got, [1.020067, 1.081072], rtol=1e-6)
    assert smearing_factor(np.empty(0), np.empty(0, dtype=int), [], sigma).tolist() == [1.0, 1.0]


def test_flat_lognormal_histories_mean_forecast_matches_the_sample_mean():
    """20 flat iid log-normal histories (48 months, mu = log 200000, s = 1.0, seeds
    1000..1019): the true monthly mean is exp(mu + s²/2) = 200000 · e^0.5 = 329744.

    For each history the forecast mean over the 12 months is divided by the history's
    sample mean; the average of these 20 shares must be 1 within 3 standard errors.
    The standard error of one sample mean relative to the true mean is
    sqrt(exp(s²) − 1) / sqrt(48) = 1.3108 / 6.928 = 0.1892; over 20 independent histories
    0.1892 / sqrt(20) = 0.0423, so the tolerance is 3 · 0.0423 = 0.127.

    Fails on the old code (normal-theory factor exp((sd · level factor)² / 2) with the
    interval's widened sd, checked at 8a5d1dd): the average share there is 1.197. The
    new code gives 0.984. (At s = 0.5 the old factor is only 3.6 % high and no tolerance
    derived from 48 months can tell; the error grows with the spread, hence s = 1.0.)
    """
    s, n = 1.0, 48
    shares = []
    for seed in range(1000, 1020):
        rng = np.random.default_rng(seed)
        y = np.exp(np.log(200000) + s * rng.standard_normal(n))
        fc = auto_forecast(_monthly(y), 12, point="mean")
        shares.append(fc["mean"].mean() / y.mean())
    tol = 3 * np.sqrt(np.expm1(s**2)) / np.sqrt(n) / np.sqrt(len(shares))
    assert tol == pytest.approx(0.127, abs=1e-3)
    assert abs(np.mean(shares) - 1) <= tol


def test_trial_bookings_mean_stays_near_the_history():
    """The trial's deals-only bookings (23 months, flat around 196 k€, one partial month).

    History: sample mean 195,791 €, sample sd 114,460 € (numpy, ddof 1), so the
    standard error of the mean is 114,460 / sqrt(23) = 23,867 € and 3 SE gives
    124,190..267,392 €. The forecast mean over 12 months must lie inside; the old code
    gave 311,156 € (fails). A sane mean/median ratio: a log-normal with the whole
    spread of the history's logs (sd 0.8431 around their mean, ddof 0, which includes
    the partial month) has the ratio exp(0.8431² / 2) = 1.4270; the forecast's ratio must
    stay below (old code: 1.82, new: 1.29).
    """
    y = np.array(TRIAL_BOOKINGS, dtype=float)
    assert y.mean() == pytest.approx(195791, abs=1)
    se = y.std(ddof=1) / np.sqrt(len(y))
    assert se == pytest.approx(23867, abs=1)
    series = _monthly(y, "2024-01")
    mean = auto_forecast(series, 12, point="mean")["mean"].to_numpy()
    median = auto_forecast(series, 12, point="median")["mean"].to_numpy()
    assert y.mean() - 3 * se <= mean.mean() <= y.mean() + 3 * se
    bound = np.exp(np.log(y).std() ** 2 / 2)
    assert bound == pytest.approx(1.4270, abs=1e-4)
    assert np.all(mean >= median)
    assert np.all(mean / median < bound)


def test_no_change_bookings_of_the_trial_cover_the_last_year():
    """The trial's bookings as one won deal per close month (the 15th), plan start
    2025-12-01: the last 12 months (2024-12..2025-11) sum to 2,297,782 € (numpy sum of
    the list's last 12 values), 12 × the history's mean is 2,349,489 €. For a flat
    history both must lie inside the plan year's simulated P10–P90, and the expected
    sum (the draws' centre, the ``point="mean"`` forecast summed) within 3 standard
    errors of the run-rate: 12 · 3 · 23,867 € = 859,193 €. Fails on the old
    normal-theory mean (checked at c9e57e2 of h/target): expected 3.73 Mio €, P10
    2.58 Mio € above the last 12 months.
    """
    y = np.array(TRIAL_BOOKINGS, dtype=float)
    months = pd.period_range("2024-01", periods=len(y), freq="M")
    deals = pd.DataFrame(
        {
            "stage": "won",
            "close_date": [m.to_timestamp() + pd.Timedelta(days=14) for m in months],
            "amount_eur": y,
        }
    )
    last = y[-12:].sum()
    assert last == pytest.approx(2297782, abs=1)
    run_rate = 12 * y.mean()
    base = no_change_bookings(deals, "2025-12-01")
    assert base.last_year == round(last)
    assert base.p10 <= last <= base.p90
    assert base.p10 <= run_rate <= base.p90
    assert abs(base.expected - run_rate) <= 12 * 3 * y.std(ddof=1) / np.sqrt(len(y))
    assert base.expected == pytest.approx(base.monthly["mean"].sum())
