"""The Bass diffusion model: external influence p (innovation, promotion), internal q (imitation), m.

F(t) = (1 - exp(-(p+q) t)) / (1 + (q/p) exp(-(p+q) t)) is the share of eventual adopters m who
have adopted by time t; new adopters in a period are m (F(t_k) - F(t_{k-1})). The model is fitted by
non-linear least squares on these *per-period increments* (Srinivasan & Mason 1986), with 95 %
intervals from the fit's covariance (or a seeded parametric bootstrap). Periods are equal steps
(t = 1, 2, ...) unless their times are given: then t_k is real time (years) and p and q are rates
per year, whatever the spacing.

Estimates differ between the forms found in the literature, on the same series: Bass's (1969) OLS
regression of new adopters on N and N² (discrete time), least squares on the density m f(t_k) at
each period's end (``form="density"``), and least squares on the increments (the default, which
respects the counting of adopters per period). On a textbook series the increments give p = 0.0088
where OLS gives 0.0066; compare like with like. The solver starts from the OLS estimate (closed
form) where it is valid, and runs once.

A curve that never turns (new adopters highest in its first or last period) or is shorter than
four periods cannot separate p from q: :func:`fit_bass` then says "not identifiable" and why,
instead of returning numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.optimize import least_squares

from diffusion.checks import Seed, as_generator, check_choice
from diffusion.errors import ParameterError
from diffusion.i18n import t

__all__ = ["BassFit", "bass_cumulative", "bass_density", "bass_new", "bass_ols", "fit_bass"]

BassForm = Literal["increments", "density"]


def bass_cumulative(t, p: float, q: float) -> np.ndarray:
    """F(t): share of eventual adopters who have adopted by time t."""
    t = np.asarray(t, dtype=float)
    e = np.exp(-(p + q) * t)
    return (1 - e) / (1 + (q / p) * e)


def bass_density(t, p: float, q: float) -> np.ndarray:
    """f(t) = F'(t): the rate at which eventual adopters adopt at time t (per unit of time)."""
    t = np.asarray(t, dtype=float)
    e = np.exp(-(p + q) * t)
    return (p + q) ** 2 / p * e / (1 + (q / p) * e) ** 2


def bass_ols(new_adopters) -> tuple[float, float, float] | None:
    """Bass's (1969) estimate: OLS of n_t on N_{t-1} and N_{t-1}^2, solved for (p, q, m); None if invalid.

    n_t = pm + (q - p) N_{t-1} - (q/m) N_{t-1}^2 in equal steps; m is the positive root. None
    when the fit has no positive m, p or q (a curve without the Bass shape).

    Examples
    --------
    >>> cum, new = 0.0, []
    >>> for _ in range(10):  # Bass's difference equation with p = 0.03, q = 0.4, m = 1000
    ...     new.append((0.03 + 0.4 * cum / 1000) * (1000 - cum)); cum += new[-1]
    >>> [round(v, 6) for v in bass_ols(new)]
    [0.03, 0.4, 1000.0]
    """
    new = np.asarray(new_adopters, dtype=float)
    before = np.r_[0.0, np.cumsum(new)[:-1]]
    design = np.column_stack([np.ones_like(before), before, before**2])
    (a, b, c), *_ = np.linalg.lstsq(design, new, rcond=None)
    disc = b * b - 4 * a * c
    if c >= 0 or disc < 0:
        return None
    m = (-b - np.sqrt(disc)) / (2 * c)
    p, q = a / m, -c * m
    return (float(p), float(q), float(m)) if m > 0 and p > 0 and q >= 0 else None


def bass_new(periods: int, p: float, q: float, m: float) -> np.ndarray:
    """Expected new adopters in periods 1..``periods``.

    Examples
    --------
    >>> bass_new(3, 0.03, 0.38, 100).round(2).tolist()
    [3.58, 4.93, 6.54]
    """
    f = bass_cumulative(np.arange(periods + 1), p, q)
    return m * np.diff(f)


@dataclass(frozen=True)
class BassFit:
    """A Bass fit, or the reason there is none.

    ``p``, ``q``, ``m`` are NaN when ``identifiable`` is False; ``reason`` then says why.
    Intervals are 95 % (``*_ci`` = (lower, upper)).
    """

    identifiable: bool
    reason: str
    p: float = float("nan")
    q: float = float("nan")
    m: float = float("nan")
    p_ci: tuple[float, float] = (float("nan"), float("nan"))
    q_ci: tuple[float, float] = (float("nan"), float("nan"))
    m_ci: tuple[float, float] = (float("nan"), float("nan"))
    n_periods: int = 0
    rmse: float = float("nan")
    interval_method: str = ""
    per: str = "period"  # p and q are rates per period (equal steps) or per year (real time)
    form: str = "increments"  # least squares on per-period increments, or on the density
    m_at_bound: bool = False  # m reached the units at risk: every unit eventually adopts

    def summary(self) -> str:
        """One plain-language sentence."""
        if not self.identifiable:
            return f"Bass model not identifiable: {self.reason}."
        kind = "imitation (q) dominates" if self.q > self.p else "external influence (p) dominates"
        bound = " (all units at risk)" if self.m_at_bound else ""
        return (
            f"Bass model over {self.n_periods} periods: p = {self.p:.3f} ({self.p_ci[0]:.3f}–{self.p_ci[1]:.3f}), "
            f"q = {self.q:.3f} ({self.q_ci[0]:.3f}–{self.q_ci[1]:.3f}) per {self.per}, m = {self.m:.0f}{bound}; {kind}."
        )


def _identifiability(new: np.ndarray) -> str:
    if len(new) < 4:
        return t("only {n} period(s); at least 4 are needed", n=len(new))
    if (new > 0).sum() < 3:
        return t("adopters in only {n} period(s); at least 3 are needed", n=(new > 0).sum())
    peak = int(np.argmax(new))
    if peak == 0:
        return t("new adoptions are highest in the first period (no inflection), so p and q cannot be told apart")
    if peak == len(new) - 1:
        return t(
            "new adoptions are still rising in the last period (no inflection yet), so m and q cannot be told apart"
        )
    return ""


def _bounds(new: np.ndarray, m_max: float | None) -> tuple[np.ndarray, np.ndarray]:
    total = float(new.sum())
    upper_m = m_max if m_max is not None else 50 * total
    return np.array([1e-6, 0.0, total]), np.array([1.0, 3.0, max(upper_m, total * (1 + 1e-9))])


def _at_bound(theta: np.ndarray, new: np.ndarray, m_max: float | None) -> str:
    """The name of a parameter that ended on its upper bound (an edge of the search, not an estimate).

    m at a bound the user gave (the units at risk) is an estimate: every unit eventually adopts.
    """
    _, upper = _bounds(new, m_max)
    for name, value, hi in zip(("p", "q", "m"), theta, upper):
        if value >= hi * (1 - 1e-6) and not (name == "m" and m_max is not None):
            return name
    return ""


def _expected(theta, times: np.ndarray, form: str = "increments") -> np.ndarray:
    """New adopters in each period ending at ``times`` (the first period starting at time 0).

    ``form="density"``: m f(t_k) times the period's length, the density read at the period's end.
    """
    p, q, m = theta
    if form == "density":
        return m * bass_density(times, p, q) * np.diff(np.r_[0.0, times])
    return m * np.diff(bass_cumulative(np.r_[0.0, times], p, q))


def _jacobian(theta, times: np.ndarray) -> np.ndarray:
    """Derivatives of :func:`_expected` (increments) by p, q and m, in closed form: finite differences
    cost the solver three more evaluations at every step (700 practices' fits were a third of `spread`).

    F = (1 - e) / (1 + (q/p) e) with e = exp(-(p + q) t); the increments are m times the steps of F.
    """
    p, q, m = theta
    t = np.r_[0.0, times]
    e = np.exp(-(p + q) * t)
    num, den = 1 - e, 1 + (q / p) * e
    dnum = t * e  # by p and by q alike
    dden_p = -(q / p) * t * e - q / p**2 * e
    dden_q = -(q / p) * t * e + e / p
    d_p = (dnum * den - num * dden_p) / den**2
    d_q = (dnum * den - num * dden_q) / den**2
    return np.column_stack([m * np.diff(d_p), m * np.diff(d_q), np.diff(num / den)])


def _start(new: np.ndarray, lower: np.ndarray, upper: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Bass's OLS estimate where valid (rates per period converted to the times' unit), else a default."""
    ols = bass_ols(new)
    step = float(np.mean(np.diff(np.r_[0.0, times])))
    x0 = np.array([ols[0] / step, ols[1] / step, ols[2]]) if ols else np.array([0.01, 0.3, 1.5 * new.sum()])
    return np.clip(x0, lower, upper * (1 - 1e-9))


def _fit(
    new: np.ndarray, m_max: float | None, times: np.ndarray, form: str = "increments"
) -> tuple[np.ndarray, np.ndarray, float]:
    """Least squares from Bass's OLS estimate (one run of the solver); returns (theta, jacobian, rmse)."""
    lower, upper = _bounds(new, m_max)

    def residuals(theta):
        return _expected(theta, times, form) - new

    jac = (lambda theta: _jacobian(theta, times)) if form == "increments" else "2-point"
    start = _start(new, lower, upper, times)
    res = least_squares(residuals, start, jac=jac, bounds=(lower, upper), method="trf", x_scale="jac", max_nfev=5_000)
    rmse = float(np.sqrt(2 * res.cost / len(new)))
    return res.x, res.jac, rmse


def fit_bass(
    new_adopters,
    *,
    m_max: float | None = None,
    intervals: str = "covariance",
    n_boot: int = 200,
    seed: Seed = 0,
    times=None,
    form: BassForm = "increments",
) -> BassFit:
    """Fit the Bass model to new adopters per period.

    Parameters
    ----------
    new_adopters : sequence of float
        New adopters in periods 1..T (consecutive periods; zeros allowed).
    m_max : float, optional
        Upper bound of m: the number of units at risk (a practice cannot reach more units than
        exist). Default 50 x the adopters seen.
    intervals : {"covariance", "bootstrap"}
        95 % intervals from the Jacobian at the optimum, or from a parametric bootstrap
        (Poisson draws around the fitted curve, refitted ``n_boot`` times).
    seed : int, Generator or None
        For the bootstrap only (see :func:`diffusion.checks.resolve_seed`).
    times : sequence of float, optional
        When each period ends, in years from the start of the first (increasing); p and q are then
        rates per year. Default: equal steps 1, 2, ..., T (rates per period).
    form : {"increments", "density"}
        Least squares on the per-period increments m (F(t_k) - F(t_{k-1})) (default), or on the
        density m f(t_k) times the period's length, as fits in the density form do.

    Returns
    -------
    BassFit

    Examples
    --------
    >>> fit = fit_bass(bass_new(12, 0.02, 0.5, 1000))
    >>> round(fit.p, 3), round(fit.q, 3), round(fit.m)
    (0.02, 0.5, 1000)
    >>> fit_bass([3, 5, 2]).reason
    'only 3 period(s); at least 4 are needed'
    """
    check_choice("intervals", intervals, ("covariance", "bootstrap"))
    check_choice("form", form, ("increments", "density"))
    new = np.asarray(new_adopters, dtype=float)
    steps = np.arange(1.0, len(new) + 1) if times is None else np.asarray(times, dtype=float)
    if len(steps) != len(new) or not (np.diff(np.r_[0.0, steps]) > 0).all():
        raise ParameterError("times", "`times` must give one increasing end time (> 0) per period of `new_adopters`.")
    reason = _identifiability(new)
    if reason:
        return BassFit(False, reason, n_periods=len(new))
    theta, jac, rmse = _fit(new, m_max, steps, form)
    at_bound = _at_bound(theta, new, m_max)
    if at_bound:
        return BassFit(False, f"{at_bound} runs to its bound, so the curve does not pin it down", n_periods=len(new))
    if intervals == "bootstrap":
        cis = _bootstrap(new, theta, m_max, n_boot, seed, steps, form)
    else:
        dof = max(len(new) - 3, 1)
        s2 = ((_expected(theta, steps, form) - new) ** 2).sum() / dof
        cov = np.linalg.pinv(jac.T @ jac) * s2
        se = np.sqrt(np.clip(np.diag(cov), 0, None))
        cis = [(theta[i] - 1.96 * se[i], theta[i] + 1.96 * se[i]) for i in range(3)]
    p, q, m = (float(v) for v in theta)
    return BassFit(
        True,
        "",
        p,
        q,
        m,
        p_ci=(float(cis[0][0]), float(cis[0][1])),
        q_ci=(float(cis[1][0]), float(cis[1][1])),
        m_ci=(float(cis[2][0]), float(cis[2][1])),
        n_periods=len(new),
        rmse=rmse,
        interval_method=intervals,
        per="period" if times is None else "year",
        form=form,
        m_at_bound=m_max is not None and m >= m_max * (1 - 1e-6),
    )


def _bootstrap(new, theta, m_max, n_boot, seed, times, form):
    rng = as_generator(seed)
    expected = np.clip(_expected(theta, times, form), 0, None)
    draws = []
    for _ in range(n_boot):
        sample = rng.poisson(expected).astype(float)
        if sample.sum() == 0:
            continue
        draws.append(_fit(sample, m_max, times, form)[0])
    draws = np.array(draws)
    return [tuple(np.percentile(draws[:, i], [2.5, 97.5])) for i in range(3)]
