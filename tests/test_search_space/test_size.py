"""Search-space sizes (Eq. 5)."""
import math

import pytest

from ddarts_mm.search_space import SEARCH_SPACES
from ddarts_mm.search_space.size import (cell_search_space_size,
                                         log10_cell_search_space_size,
                                         log10_network_search_space_size,
                                         network_search_space_size)


def test_cell_size_is_the_product_over_nodes():
    # node i picks 2 of its i + 1 predecessors and one of K ops per edge
    assert cell_search_space_size(7, 1) == 1 * 49
    assert cell_search_space_size(7, 2) == (1 * 49) * (3 * 49)
    assert cell_search_space_size(7, 4) == 1 * 3 * 6 * 10 * 7**8
    assert cell_search_space_size(7, 4) == 1_037_664_180
    assert cell_search_space_size(1, 4) == 180


def test_paper_figures():
    k = len(SEARCH_SPACES['S'])
    assert k == 7
    # "around 10^9 possible configurations" for one cell (K = 7, N = 4)
    assert math.floor(math.log10(cell_search_space_size(k, 4))) == 9
    # DARTS searches two cells: around 10^18
    darts = network_search_space_size(k, 4, 2)
    assert darts == cell_search_space_size(k, 4)**2
    assert math.floor(math.log10(darts)) == 18
    # D-DARTS with 8 cells: around 10^72
    assert math.floor(math.log10(network_search_space_size(k, 4, 8))) == 72
    assert log10_network_search_space_size(k, 4, 8) == pytest.approx(
        math.log10(network_search_space_size(k, 4, 8)))
    assert log10_cell_search_space_size(k, 4) == pytest.approx(9.016, 1e-3)
    # D-DARTS expands DARTS' space by a factor 10^((c - 2) * 9)
    ratio = log10_network_search_space_size(k, 4, 8) - \
        log10_network_search_space_size(k, 4, 2)
    assert round(ratio / 9) == 6


def test_s_o_is_larger():
    assert cell_search_space_size(len(SEARCH_SPACES['S_o']), 4) == \
        180 * 12**8


@pytest.mark.parametrize('args', [(0, 4), (7, 0), (-1, 4), (7, True),
                                  (7.0, 4)])
def test_invalid_arguments(args):
    with pytest.raises(ValueError, match='must be a positive integer'):
        cell_search_space_size(*args)


def test_invalid_number_of_cells():
    with pytest.raises(ValueError, match='num_cells'):
        network_search_space_size(7, 4, 0)
