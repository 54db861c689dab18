"""The statistics of the performance loop, as plain functions of arrays (no database): Spearman's rho with a seeded
percentile-bootstrap interval, and the suggested dimension weights.

The weights are a constrained, regularised fit: non-negative, summing as the current ones do (1), chosen to make the
weighted total rank later performance best, with a ridge penalty pulling them toward the current weights. Only the
weights' direction matters (a total's scale says nothing about performance), so the fit profiles out a scale b ≥ 0:

    minimise over w   mean((y − b(w)·Xw)²) + λ·‖w − w₀‖²   subject to w ≥ 0, Σw = Σw₀

with X the dimension scores and y the performance, both centred (y also scaled to unit variance). λ is chosen by
5-fold cross-validation (seeded folds) with the one-standard-error rule: the largest λ whose held-out error is within
one standard error of the best, so with little evidence the suggestion stays near the current weights."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

MIN_SAMPLE = 30  # below this a correlation is shown with its interval, flagged, and not read; no weights suggested
RESAMPLES = 2000
SEED = 20261206  # fixed: the same data always shows the same interval and the same suggestion
LAMBDAS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
FOLDS = 5
CHUNK = 250  # bootstrap resamples ranked at a time (bounded memory for a large unit)


@dataclass(frozen=True)
class Correlation:
    """Spearman's rho between a predictor and performance, its 95% bootstrap interval and the sample size."""
    n: int
    rho: float | None
    low: float | None
    high: float | None

    @property
    def small(self) -> bool:
        """Too few hires to read anything into the number (MIN_SAMPLE)."""
        return self.n < MIN_SAMPLE


def midranks(values: np.ndarray) -> np.ndarray:
    """Ranks from 1, ties given the mean of the ranks they span (as scipy's rankdata)."""
    _, groups = np.unique(np.asarray(values, float), return_inverse=True)
    counts = np.bincount(groups)
    return (np.cumsum(counts) - counts + (counts + 1) / 2)[groups]


def spearman(x: np.ndarray, y: np.ndarray) -> float | None:
    """Spearman's rho (ties ranked by their mean), None when either side is constant or there are under 3 pairs."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(_rowwise_rho(midranks(x)[None, :], midranks(y)[None, :])[0])


def _midranks(groups: np.ndarray, idx: np.ndarray, size: int) -> np.ndarray:
    """The mid-ranks (ties averaged, as rankdata) of each resample's values, from the values' tie groups (0..size-1
    in ascending order) and the resampled indices (resamples × n): counting, not sorting."""
    drawn = groups[idx]
    offsets = (np.arange(idx.shape[0]) * size)[:, None]
    counts = np.bincount((drawn + offsets).ravel(), minlength=idx.shape[0] * size).reshape(idx.shape[0], size)
    below = np.cumsum(counts, axis=1) - counts
    return np.take_along_axis(below + (counts + 1) / 2, drawn, axis=1)


def _rowwise_rho(rx: np.ndarray, ry: np.ndarray) -> np.ndarray:
    """Pearson's r of each row pair of ranks (resamples × n): Spearman's rho, NaN where a resample is constant."""
    rx = rx - rx.mean(axis=1, keepdims=True)
    ry = ry - ry.mean(axis=1, keepdims=True)
    denominator = np.sqrt((rx * rx).sum(axis=1) * (ry * ry).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (rx * ry).sum(axis=1) / denominator, np.nan)


def correlation(x: np.ndarray, y: np.ndarray, *, resamples: int = RESAMPLES, seed: int = SEED) -> Correlation:
    """rho with its percentile-bootstrap 95% interval (pairs resampled with replacement, seeded)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    rho = spearman(x, y)
    if rho is None:
        return Correlation(n, None, None, None)
    rng = np.random.default_rng(seed)
    (x_values, x_groups), (y_values, y_groups) = (np.unique(v, return_inverse=True) for v in (x, y))
    draws = []
    for start in range(0, resamples, CHUNK):
        idx = rng.integers(0, n, size=(min(CHUNK, resamples - start), n))
        draws.append(_rowwise_rho(_midranks(x_groups, idx, len(x_values)),
                                  _midranks(y_groups, idx, len(y_values))))
    values = np.concatenate(draws)
    values = values[~np.isnan(values)]
    if len(values) < resamples // 2:  # mostly constant resamples: no interval worth showing
        return Correlation(n, rho, None, None)
    low, high = np.percentile(values, [2.5, 97.5])
    return Correlation(n, rho, float(low), float(high))


@dataclass(frozen=True)
class Fit:
    """Suggested weights (same order as the current ones), the λ chosen and the cross-validated errors."""
    weights: np.ndarray
    lam: float
    cv_error: float
    cv_error_current: float


def _objective(w: np.ndarray, x: np.ndarray, y: np.ndarray, w0: np.ndarray, lam: float) -> tuple[float, np.ndarray]:
    """The penalised objective and its gradient (b is optimal for each w, so its own derivative drops out)."""
    b = _scale(w, x, y)
    residual = y - b * (x @ w)
    gradient = -2.0 * b * (x.T @ residual) / len(y) + 2.0 * lam * (w - w0)
    return float((residual * residual).mean()) + lam * float(((w - w0) ** 2).sum()), gradient


def _scale(w: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """The best non-negative b for y ≈ b·Xw (0 when the total does not go with y at all)."""
    total = x @ w
    power = float(total @ total)
    return max(0.0, float(y @ total) / power) if power > 0 else 0.0


def fit_weights(x: np.ndarray, y: np.ndarray, w0: np.ndarray, lam: float) -> np.ndarray:
    """The weights minimising the penalised objective for one λ (SLSQP from the current weights)."""
    xc = x - x.mean(axis=0)
    sd = y.std()
    yc = (y - y.mean()) / (sd if sd > 0 else 1.0)
    result = optimize.minimize(_objective, w0, args=(xc, yc, w0, lam), method="SLSQP", jac=True,
                               bounds=[(0.0, float(w0.sum()))] * len(w0),
                               constraints=({"type": "eq", "fun": lambda w: w.sum() - w0.sum(),
                                             "jac": lambda w: np.ones_like(w)},),
                               options={"maxiter": 200, "ftol": 1e-10})
    w = np.clip(result.x if result.success else w0, 0.0, None)
    return w * (w0.sum() / w.sum()) if w.sum() > 0 else w0.copy()


def _held_out_error(w: np.ndarray, train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]) -> float:
    """Mean squared error on the test fold of the training fold's fit (centring and scale from the training fold)."""
    (xt, yt), (xv, yv) = train, test
    mean_x, mean_y, sd_y = xt.mean(axis=0), yt.mean(), yt.std() or 1.0
    b = _scale(w, xt - mean_x, (yt - mean_y) / sd_y)
    residual = (yv - mean_y) / sd_y - b * ((xv - mean_x) @ w)
    return float((residual * residual).mean())


def suggest(x: np.ndarray, y: np.ndarray, w0: np.ndarray, *, seed: int = SEED) -> Fit:
    """The suggested weights: λ by seeded 5-fold cross-validation and the one-standard-error rule, then the fit on
    every hire. x: hires × dimensions (scores), y: performance, w0: the current weights."""
    x, y, w0 = np.asarray(x, float), np.asarray(y, float), np.asarray(w0, float)
    folds = np.array_split(np.random.default_rng(seed).permutation(len(y)), FOLDS)
    errors = np.zeros((len(LAMBDAS), FOLDS))
    current = np.zeros(FOLDS)
    for f, test in enumerate(folds):
        train = np.setdiff1d(np.arange(len(y)), test)
        pair_train, pair_test = (x[train], y[train]), (x[test], y[test])
        current[f] = _held_out_error(w0, pair_train, pair_test)
        for i, lam in enumerate(LAMBDAS):
            errors[i, f] = _held_out_error(fit_weights(x[train], y[train], w0, lam), pair_train, pair_test)
    mean = errors.mean(axis=1)
    best = int(np.argmin(mean))
    bound = mean[best] + errors[best].std(ddof=1) / np.sqrt(FOLDS)
    chosen = max(i for i in range(len(LAMBDAS)) if mean[i] <= bound)  # the strongest pull toward w0 that is as good
    return Fit(fit_weights(x, y, w0, LAMBDAS[chosen]), LAMBDAS[chosen], float(mean[chosen]), float(current.mean()))
