"""Statistics of ``tools/study.py``: intervals, percentiles, verdicts.

Every comparison of the study is a difference of two means over
independent units (search seeds, or random genotypes), reported with a 95%
confidence interval (Welch's t interval, which does not assume equal
variances; a percentile bootstrap over the units is given beside it), and
every claim of the paper is called from its interval, never from the means
alone (:func:`verdict`).
"""
import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np

#: Confidence level of every interval.
CONFIDENCE = 0.95
#: Bootstrap resamples (seeded, so study.md is reproducible).
BOOTSTRAP_RESAMPLES = 10000

REPRODUCED = 'reproduced'
CONTRADICTED = 'contradicted'
INCONCLUSIVE = 'inconclusive at this scale'
SIZE_NOT_REPRODUCED = "the paper's size not reproduced at this scale"


def _t_quantile(probability: float, dof: float) -> float:
    from scipy.stats import t  # scipy comes with scikit-learn (demo data)
    return float(t.ppf(probability, dof))


@dataclass
class Difference:
    """``mean(a) - mean(b)`` with its 95% intervals.

    Args:
        diff (float): Difference of the means.
        low (float): Lower end of Welch's 95% interval.
        high (float): Upper end of Welch's 95% interval.
        boot_low (float): Lower end of the bootstrap 95% interval.
        boot_high (float): Upper end of the bootstrap 95% interval.
        n_a (int): Units of ``a``.
        n_b (int): Units of ``b``.
    """
    diff: float
    low: float
    high: float
    boot_low: float
    boot_high: float
    n_a: int
    n_b: int


def welch_interval(a: Sequence[float], b: Sequence[float],
                   confidence: float = CONFIDENCE) -> Dict[str, float]:
    """Welch's t interval of ``mean(a) - mean(b)``.

    Needs at least two values on each side; with zero variance on both
    the interval is the point itself.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.size < 2 or b.size < 2:
        raise ValueError('Welch interval: at least 2 values per group, got '
                         f'{a.size} and {b.size}')
    diff = float(a.mean() - b.mean())
    var_a, var_b = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(var_a + var_b)
    if se == 0.0:
        return dict(diff=diff, low=diff, high=diff)
    dof = (var_a + var_b)**2 / (var_a**2 / (a.size - 1) + var_b**2 /
                                (b.size - 1))
    half = _t_quantile(0.5 + confidence / 2, dof) * se
    return dict(diff=diff, low=diff - half, high=diff + half)


def paired_interval(differences: Sequence[float],
                    confidence: float = CONFIDENCE) -> Dict[str, float]:
    """Student's t interval of the mean of paired ``differences`` (one per
    unit, e.g. a search seed's top-1 at the stop minus at the end): a
    zero difference counts as one. Needs at least two values; with zero
    variance the interval is the point itself."""
    values = np.asarray(differences, float)
    if values.size < 2:
        raise ValueError('paired interval: at least 2 differences, got '
                         f'{values.size}')
    diff = float(values.mean())
    se = float(values.std(ddof=1)) / math.sqrt(values.size)
    half = (_t_quantile(0.5 + confidence / 2, values.size - 1) * se
            if se > 0.0 else 0.0)
    return dict(diff=diff, low=diff - half, high=diff + half,
                n=int(values.size))


def bootstrap_interval(a: Sequence[float], b: Sequence[float],
                       confidence: float = CONFIDENCE,
                       resamples: int = BOOTSTRAP_RESAMPLES,
                       seed: int = 0) -> Dict[str, float]:
    """Percentile bootstrap interval of ``mean(a) - mean(b)`` (each group
    resampled with replacement, seeded)."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    rng = np.random.default_rng(seed)
    means_a = a[rng.integers(0, a.size, (resamples, a.size))].mean(1)
    means_b = b[rng.integers(0, b.size, (resamples, b.size))].mean(1)
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(means_a - means_b, [tail, 100 - tail])
    return dict(low=float(low), high=float(high))


def difference(a: Sequence[float], b: Sequence[float]) -> Difference:
    """:class:`Difference` of the means of ``a`` and ``b``."""
    welch = welch_interval(a, b)
    boot = bootstrap_interval(a, b)
    return Difference(welch['diff'], welch['low'], welch['high'],
                      boot['low'], boot['high'], len(a), len(b))


def verdict(interval: Difference, direction: int = 1,
            paper_size: Optional[float] = None) -> str:
    """The claim "``a - b`` has the sign of ``direction``", from Welch's
    interval: reproduced when the interval excludes 0 on the claimed side,
    contradicted when it excludes 0 on the other side, else inconclusive;
    an inconclusive interval that also excludes the paper's effect
    ``paper_size`` (e.g. +9 points) says that this size is not reproduced.
    """
    ends = (interval.low * direction, interval.high * direction)
    low, high = min(ends), max(ends)
    if low > 0:
        return REPRODUCED
    if high < 0:
        return CONTRADICTED
    if paper_size is not None and not (interval.low <= paper_size
                                       <= interval.high):
        return SIZE_NOT_REPRODUCED
    return INCONCLUSIVE


def percentile_among(value: float, reference: Sequence[float]) -> float:
    """Percentile rank of ``value`` among ``reference`` (ties count
    half): 0 below every reference value, 100 above all."""
    reference = np.asarray(reference, float)
    if reference.size == 0:
        return math.nan
    below = float((reference < value).sum())
    ties = float((reference == value).sum())
    return 100.0 * (below + ties / 2) / reference.size


def pooled_within_std(groups: Sequence[Sequence[float]]) -> Optional[float]:
    """Pooled sample std inside groups (e.g. retrain seeds of one genotype):
    ``sqrt(sum (n_g - 1) var_g / sum (n_g - 1))``; None without a group of
    two or more."""
    num, dof = 0.0, 0
    for group in groups:
        values = np.asarray(group, float)
        if values.size >= 2:
            num += float(values.var(ddof=1)) * (values.size - 1)
            dof += values.size - 1
    return math.sqrt(num / dof) if dof else None


def sample_std(values: Sequence[float]) -> Optional[float]:
    """Sample std of ``values`` (None for fewer than two)."""
    values = np.asarray(values, float)
    return float(values.std(ddof=1)) if values.size >= 2 else None


def format_difference(interval: Optional[Difference], digits: int = 1,
                      unit: str = '') -> str:
    """``+1.2 [-0.3, +2.7]`` (Welch) for a markdown cell."""
    if interval is None:
        return '-'
    return (f'{interval.diff:+.{digits}f}{unit} [{interval.low:+.{digits}f}, '
            f'{interval.high:+.{digits}f}]')


def format_bootstrap(interval: Optional[Difference], digits: int = 1) -> str:
    if interval is None:
        return '-'
    return (f'[{interval.boot_low:+.{digits}f}, '
            f'{interval.boot_high:+.{digits}f}]')


def mean(values: Sequence[float]) -> float:
    values = list(values)
    return float(np.mean(values)) if values else math.nan


def maybe_difference(a: Sequence[float],
                     b: Sequence[float]) -> Optional[Difference]:
    """:func:`difference`, or None when a side has fewer than 2 values."""
    if len(a) < 2 or len(b) < 2:
        return None
    return difference(a, b)


def ranks(values: List[float], reference: Sequence[float]) -> List[float]:
    """:func:`percentile_among` of each value."""
    return [percentile_among(v, reference) for v in values]
