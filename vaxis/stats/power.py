"""What a paired design of ``n`` independent units can detect, and what it can call equivalent."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as _st

from .._checks import VaxisInputError


def _check_design(n: int, sd: float, alpha: float) -> None:
    if not (isinstance(n, (int, np.integer)) and n >= 2):
        raise VaxisInputError(f"n={n!r} must be an integer >= 2 (paired units).")
    if not (sd > 0 and math.isfinite(sd)):
        raise VaxisInputError(f"sd={sd!r} must be a positive finite number (SD of the paired differences).")
    if not 0 < alpha < 1:
        raise VaxisInputError(f"alpha={alpha!r} must lie in (0, 1).")


def paired_power(n: int, sd: float, effect: float, alpha: float = 0.05) -> float:
    """Power of the two-sided paired t-test at level ``alpha`` to detect a true mean difference.

    ``n`` independent units (e.g. held-out subjects) whose paired differences are normal with mean
    ``effect`` and standard deviation ``sd`` (same units, e.g. balanced accuracy). Exact for the
    t-test: the statistic is noncentral t with ``n - 1`` degrees of freedom and noncentrality
    ``effect * sqrt(n) / sd``; at ``effect = 0`` the power is ``alpha``. The book's difference test
    is Wilcoxon's signed-rank test, whose efficiency relative to the t-test is 3/pi (0.955) for
    normal differences, so this is a close guide to its power, not its exact value.
    """
    _check_design(n, sd, alpha)
    df, ncp = n - 1, abs(float(effect)) * math.sqrt(n) / float(sd)
    crit = float(_st.t.ppf(1 - alpha / 2, df))
    far = float(_st.nct.cdf(-crit, df, ncp))  # the tail against the effect: scipy gives NaN when it underflows
    return float(_st.nct.sf(crit, df, ncp)) + (far if math.isfinite(far) else 0.0)


def min_detectable_effect(n: int, sd: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest true mean difference (> 0, units of ``sd``'s data) that :func:`paired_power` detects
    with probability ``power`` over ``n`` units: the effect a design of this size can see."""
    _check_design(n, sd, alpha)
    if not alpha < power < 1:
        raise VaxisInputError(f"power={power!r} must lie in (alpha, 1).")
    from scipy.optimize import brentq

    hi = float(sd)
    while paired_power(n, sd, hi, alpha) < power:
        hi *= 2.0
    return float(brentq(lambda e: paired_power(n, sd, e, alpha) - power, 0.0, hi, xtol=1e-10 * sd))


def detectable_effect(se: float, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest true effect a two-sided test at ``alpha`` detects with probability ``power`` when
    its estimate is normal with standard error ``se`` (e.g. the SD of bootstrap statistics):
    ``(z_{1 - alpha / 2} + z_{power}) * se`` (2.80 se at 0.05 and 80 %)."""
    if not (se >= 0 and math.isfinite(se)):
        raise VaxisInputError(f"se={se!r} must be a finite number >= 0.")
    if not 0 < alpha < 1 or not alpha < power < 1:
        raise VaxisInputError(f"alpha={alpha!r} and power={power!r} must satisfy 0 < alpha < power < 1.")
    return float((_st.norm.ppf(1 - alpha / 2) + _st.norm.ppf(power)) * se)


def tost_power(n: int, sd: float, margin: float, effect: float = 0.0, alpha: float = 0.05) -> float:
    """Probability that the equivalence test :func:`tost_pvalue` gives ``p < alpha`` within ``+-margin``.

    ``n`` paired differences, normal with mean ``effect`` and standard deviation ``sd``. Exact for
    :func:`tost_pvalue`: given the sample SD ``s``, TOST rejects exactly when the sample mean lies in
    ``(-margin + t s / sqrt(n), margin - t s / sqrt(n))`` with ``t`` the ``1 - alpha`` quantile of t
    on ``n - 1`` degrees of freedom; that probability is integrated over ``s^2 ~ sd^2
    chi2(n - 1) / (n - 1)``. It is 0 when ``t s / sqrt(n) >= margin`` for every plausible ``s``:
    then the 90 % interval of the mean (alpha = 0.05) is wider than the margin and no data of this
    size can show equivalence.
    """
    _check_design(n, sd, alpha)
    if not margin > 0:
        raise VaxisInputError(f"margin={margin!r} must be > 0.")
    from scipy.integrate import quad

    df, root_n = n - 1, math.sqrt(n)
    t = float(_st.t.ppf(1 - alpha, df))
    se_true = sd / root_n
    v_max = df * (margin * root_n / (t * sd)) ** 2  # chi2 value above which the interval is empty

    def inside(v: float) -> float:
        half = margin - t * sd * math.sqrt(v / df) / root_n
        p = _st.norm.cdf((half - effect) / se_true) - _st.norm.cdf((-half - effect) / se_true)
        return max(float(p), 0.0) * float(_st.chi2.pdf(v, df))

    # integrate where chi2(df) has its mass (all but 1e-12 each side), split at its mode so that
    # quad sees the peak however large df is
    lo, hi = float(_st.chi2.ppf(1e-12, df)), min(float(_st.chi2.isf(1e-12, df)), v_max)
    if hi <= lo:
        return 0.0
    mode = max(df - 2.0, 0.0)
    parts = [(lo, mode), (mode, hi)] if lo < mode < hi else [(lo, hi)]
    return float(min(1.0, sum(quad(inside, a, b, limit=200)[0] for a, b in parts)))


def tost_reach(n: int, sd: float, margin: float, alpha: float = 0.05) -> float:
    """The largest |mean difference| that :func:`tost_pvalue` can still call equivalent when the
    sample SD is ``sd``: ``margin - t * sd / sqrt(n)``, ``t`` the ``1 - alpha`` quantile of t on
    ``n - 1`` degrees of freedom (the ``1 - 2 alpha`` interval of the mean must lie inside the
    margin). Zero or negative: no mean difference, not even 0, can be shown equivalent at this size.
    """
    _check_design(n, sd, alpha)
    return float(margin - _st.t.ppf(1 - alpha, n - 1) * sd / math.sqrt(n))


def tost_sample_size(sd: float, margin: float, effect: float = 0.0, alpha: float = 0.05, power: float = 0.8,
                     n_max: int = 100_000) -> int:
    """Smallest number of paired units at which :func:`tost_power` reaches ``power``.

    ``n_max`` if even that many are not enough (an ``effect`` at or beyond the margin never is).
    """
    _check_design(2, sd, alpha)
    if not 0 < power < 1:
        raise VaxisInputError(f"power={power!r} must lie in (0, 1).")
    if tost_power(n_max, sd, margin, effect, alpha) < power:
        return n_max
    lo, hi = 2, n_max  # power grows with n: bisect on integers
    while lo < hi:
        mid = (lo + hi) // 2
        if tost_power(mid, sd, margin, effect, alpha) >= power:
            hi = mid
        else:
            lo = mid + 1
    return lo


__all__ = ['detectable_effect', 'min_detectable_effect', 'paired_power', 'tost_power', 'tost_reach', 'tost_sample_size']
