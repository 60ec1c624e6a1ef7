"""Alpha sets of a supernet: the layout per sharing (the initial values:
test_dartopti.py)."""
import pytest

from ddarts_mm.models.search.alpha_sets import supernet_layout
from ddarts_mm.search_space.layout import dag_rows


def test_one_set_per_layer_or_per_cell_type():
    layout = supernet_layout(6, 2, 'S')
    assert layout.reductions == [2, 4] and layout.sequence == list(range(6))
    assert layout.alpha_names == [f'alpha_{i}' for i in range(6)]
    assert layout.rows == dag_rows(2)
    assert layout.state_dict_keys[0] == 'alphas.alpha_0'
    shared = supernet_layout(6, 2, 'S', share_alphas='cell_type')
    assert shared.alpha_names == ['alpha_normal', 'alpha_reduce']
    assert shared.sequence == [0, 0, 1, 0, 1, 0]
    with pytest.raises(ValueError, match='num_cells and steps'):
        supernet_layout(0, 2, 'S')
