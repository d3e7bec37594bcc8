"""The evaluation's statistics (pathways.grading.evidence.evaluation.stats), against published values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pathways.grading.evidence.evaluation import stats


@pytest.mark.parametrize(("df", "expected"), [(1, 12.706205), (9, 2.262157), (14, 2.144787), (29, 2.045230),
                                              (100, 1.983972)])
def test_t_quantiles_match_the_tables(df, expected):
    """Is the 97.5% quantile of Student's t the one every table prints (to 6 decimals)?"""
    assert stats.t_quantile(0.975, df) == pytest.approx(expected, abs=5e-7)


def test_a_t_interval_is_the_mean_plus_minus_t_times_the_standard_error():
    """For 1..10: mean 5.5, s = 3.02765, so the 95% interval is 5.5 ± 2.262157 × 3.02765 / √10."""
    got = stats.t_interval(list(range(1, 11)))
    half = 2.262157 * math.sqrt(sum((x - 5.5) ** 2 for x in range(1, 11)) / 9) / math.sqrt(10)
    assert (got.mean, got.method, got.n) == (5.5, "t", 10)
    assert got.low == pytest.approx(5.5 - half, abs=1e-5) and got.high == pytest.approx(5.5 + half, abs=1e-5)


def test_the_bootstrap_is_seeded_and_used_below_15_values():
    """Is the interval of 14 values a bootstrap that gives the same figures twice, and of 15 a t interval?"""
    values = [3, 7, 0, 14, 7, 21, -7, 7, 14, 0, 7, 14, 21, 7, 28]
    one, two = stats.mean_interval(values[:14]), stats.mean_interval(values[:14])
    assert one == two and one.method == "bootstrap" and one.low < one.mean < one.high
    assert stats.mean_interval(values).method == "t"


def test_wilcoxon_exact_matches_darwins_example():
    """Darwin's 15 paired differences (SciPy's documented example): W = 24, exact two-sided p = 0.041259765625."""
    got = stats.wilcoxon([6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75])
    assert (got.statistic, got.p, got.n, got.method) == (24.0, 0.041259765625, 15, "exact")


def test_wilcoxon_with_ties_uses_the_normal_approximation_with_the_tie_correction():
    """Differences 1,1,1,1,2,2,-1,3 (the zero dropped): five |d| = 1 share rank 3, two |d| = 2 rank 6.5, so
    W- = 3; p from z = (3 - 18) / sqrt(51 - (5³-5 + 2³-2)/48), computed by hand."""
    got = stats.wilcoxon([1, 1, 1, 1, 2, 2, -1, 3, 0])
    var = 8 * 9 * 17 / 24 - ((5 ** 3 - 5) + (2 ** 3 - 2)) / 48
    z = (3 - 18) / math.sqrt(var)
    assert (got.statistic, got.n, got.method) == (3.0, 8, "normal")
    assert got.p == pytest.approx(math.erfc(abs(z) / math.sqrt(2)), rel=1e-12)


def test_cronbachs_alpha_equals_the_covariance_form():
    """Is alpha k/(k-1)·(1 - Σ item variances / total variance), as computed from numpy's covariance matrix?"""
    rows = [[4, 5, 4, 3], [2, 2, 3, 2], [5, 4, 5, 5], [3, 3, 2, 3], [4, 4, 4, 5], [1, 2, 2, 1]]
    cov = np.cov(np.array(rows, dtype=float), rowvar=False)
    expected = 4 / 3 * (1 - np.trace(cov) / cov.sum())
    assert stats.cronbach_alpha(rows) == pytest.approx(expected, abs=1e-12)
    assert stats.cronbach_alpha([[1, 2]]) is None
