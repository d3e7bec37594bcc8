"""The statistics the evaluation reports, in plain Python (no SciPy in the environment): Student's t quantile,
a mean's 95% interval (t, or a seeded percentile bootstrap), the Wilcoxon signed-rank test and Cronbach's alpha.

Each is written from its textbook definition and tested against published values (tests/unit/test_evaluation_stats.py).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

#: The seed of every bootstrap, so that a report made twice from the same answers prints the same interval.
BOOTSTRAP_SEED = 27
BOOTSTRAP_RESAMPLES = 10_000


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the regularized incomplete beta function (modified Lentz)."""
    tiny, qab, qap, qam = 1e-300, a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)), -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + aa / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
            last = d * c
        if abs(last - 1.0) < 3e-16:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """Student's t distribution function with `df` degrees of freedom."""
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The `p` quantile of Student's t (0 < p < 1), by bisection on t_cdf (to 1e-10)."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be between 0 and 1")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        hi *= 2.0
    while hi - lo > 1e-10:
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if t_cdf(mid, df) < p else (lo, mid)
    return (lo + hi) / 2.0


@dataclass(frozen=True)
class Interval:
    """A mean and its 95% interval, and how the interval was found ("t" or "bootstrap")."""

    mean: float
    low: float
    high: float
    method: str
    n: int


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean (of at least one value)."""
    return sum(values) / len(values)


def sample_variance(values: Sequence[float]) -> float:
    """The unbiased sample variance (n - 1 in the denominator); 0 for fewer than two values."""
    if len(values) < 2:
        return 0.0
    m = mean(values)
    return sum((v - m) ** 2 for v in values) / (len(values) - 1)


def t_interval(values: Sequence[float], level: float = 0.95) -> Interval:
    """The mean of `values` with its t interval (at least two values)."""
    n, m = len(values), mean(values)
    half = t_quantile(0.5 + level / 2.0, n - 1) * math.sqrt(sample_variance(values) / n)
    return Interval(m, m - half, m + half, "t", n)


def bootstrap_interval(values: Sequence[float], level: float = 0.95, seed: int = BOOTSTRAP_SEED,
                       resamples: int = BOOTSTRAP_RESAMPLES) -> Interval:
    """The mean of `values` with a percentile bootstrap interval: `resamples` means of resamples drawn with
    replacement by a generator seeded with `seed`, cut at the (1 - level)/2 and (1 + level)/2 quantiles."""
    rng, n = random.Random(seed), len(values)
    means = sorted(sum(rng.choices(values, k=n)) / n for _ in range(resamples))
    lo_i = int(math.floor((1.0 - level) / 2.0 * (resamples - 1)))
    hi_i = int(math.ceil((1.0 + level) / 2.0 * (resamples - 1)))
    return Interval(mean(values), means[lo_i], means[hi_i], "bootstrap", n)


def mean_interval(values: Sequence[float], bootstrap_below: int = 15) -> Interval:
    """A mean's 95% interval: the t interval from `bootstrap_below` values on, a seeded bootstrap below."""
    return t_interval(values) if len(values) >= bootstrap_below else bootstrap_interval(values)


def _ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties given the mean of the ranks they share."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


@dataclass(frozen=True)
class Wilcoxon:
    """A Wilcoxon signed-rank test: W (the smaller of the two rank sums), its two-sided p, the non-zero
    differences it used, and how p was found ("exact" or "normal")."""

    statistic: float
    p: float
    n: int
    method: str


def _exact_p(w: float, n: int) -> float:
    """Two-sided exact p of W <= w for n untied non-zero differences: the count of the 2^n sign patterns whose
    positive rank sum is at most w, by dynamic programming over the ranks."""
    counts = [1] + [0] * (n * (n + 1) // 2)
    for r in range(1, n + 1):
        for s in range(len(counts) - 1, r - 1, -1):
            counts[s] += counts[s - r]
    return min(1.0, 2.0 * sum(counts[: int(math.floor(w)) + 1]) / 2 ** n)


def wilcoxon(differences: Sequence[float]) -> Wilcoxon:
    """The Wilcoxon signed-rank test of paired differences (zeros dropped, as Wilcoxon did): exact when there
    are at most 25 non-zero differences and no tied magnitudes, else the normal approximation with the tie
    correction of the variance and no continuity correction (SciPy's defaults)."""
    d = [x for x in differences if x != 0]
    n = len(d)
    if n == 0:
        return Wilcoxon(0.0, 1.0, 0, "exact")
    ranks = _ranks([abs(x) for x in d])
    plus = sum(r for r, x in zip(ranks, d, strict=True) if x > 0)
    minus = sum(r for r, x in zip(ranks, d, strict=True) if x < 0)
    w = min(plus, minus)
    if n <= 25 and len(set(abs(x) for x in d)) == n:
        return Wilcoxon(w, _exact_p(w, n), n, "exact")
    ties = {}
    for r in ranks:
        ties[r] = ties.get(r, 0) + 1
    var = n * (n + 1) * (2 * n + 1) / 24.0 - sum(t ** 3 - t for t in ties.values()) / 48.0
    z = (w - n * (n + 1) / 4.0) / math.sqrt(var) if var > 0 else 0.0
    return Wilcoxon(w, min(1.0, math.erfc(abs(z) / math.sqrt(2.0))), n, "normal")


def cronbach_alpha(rows: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's alpha of a scale: rows are respondents (each answering every item), columns items; None for
    fewer than two respondents or items, or when the total has no variance."""
    if len(rows) < 2 or len(rows[0]) < 2:
        return None
    k = len(rows[0])
    item_vars = sum(sample_variance([row[j] for row in rows]) for j in range(k))
    total_var = sample_variance([sum(row) for row in rows])
    return None if total_var == 0 else k / (k - 1) * (1.0 - item_vars / total_var)


def median(values: Sequence[float]) -> float:
    """The median (of at least one value)."""
    s, n = sorted(values), len(values)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0
