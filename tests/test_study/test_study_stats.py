"""ddarts_mm.study.stats: intervals, percentiles and verdicts."""
import pytest

from ddarts_mm.study.stats import (CONTRADICTED, INCONCLUSIVE, REPRODUCED,
                                   SIZE_NOT_REPRODUCED,
                                   difference, paired_interval,
                                   percentile_among, pooled_within_std,
                                   verdict, welch_interval)


def test_intervals_percentiles_and_verdicts():
    # Welch by hand: means 3 and 1, variances 1 and 1, n 3 each: se
    # sqrt(2/3), dof 4, t(0.975, 4) = 2.776
    got = welch_interval([2.0, 3.0, 4.0], [0.0, 1.0, 2.0])
    assert got['diff'] == pytest.approx(2.0)
    assert got['high'] - got['diff'] == pytest.approx(2.7764 * (2 / 3)**0.5,
                                                      rel=1e-3)
    clear = difference([10.0, 11.0, 12.0, 10.5], [1.0, 2.0, 1.5, 0.5])
    assert clear.low > 0 and clear.boot_low > 0
    assert verdict(clear) == REPRODUCED
    assert verdict(clear, direction=-1) == CONTRADICTED
    overlap = difference([1.0, 3.0, 2.0], [2.0, 1.0, 3.0])
    assert verdict(overlap) == INCONCLUSIVE
    # inconclusive on the sign, yet the paper's +9 points lie outside
    assert verdict(overlap, paper_size=9.0) == SIZE_NOT_REPRODUCED
    assert verdict(overlap, paper_size=0.5) == INCONCLUSIVE
    assert verdict(clear, paper_size=100.0) == REPRODUCED  # the sign holds
    assert percentile_among(5.0, [1.0, 2.0, 3.0, 4.0]) == 100.0
    assert percentile_among(0.0, [1.0, 2.0]) == 0.0
    assert percentile_among(2.0, [1.0, 2.0, 3.0, 4.0]) == 37.5  # tie: half
    assert pooled_within_std([[1.0, 3.0], [5.0, 5.0]]) == pytest.approx(1.0)



def test_paired_interval_of_stop_minus_end():
    # mean 1, sd 1 (values 0, 1, 2), n 3: half width t(0.975, 2) / sqrt(3)
    got = paired_interval([0.0, 1.0, 2.0])
    assert got['diff'] == pytest.approx(1.0) and got['n'] == 3
    assert got['high'] - got['diff'] == pytest.approx(4.3027 / 3**0.5,
                                                      rel=1e-3)
    assert got['low'] == pytest.approx(2 * got['diff'] - got['high'])
    same = paired_interval([0.0, 0.0, 0.0, 0.0])  # nothing lost anywhere
    assert same['low'] == same['high'] == 0.0
    with pytest.raises(ValueError, match='at least 2'):
        paired_interval([3.0])
