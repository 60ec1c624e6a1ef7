"""Alpha sets of a supernet: the layout per sharing, the initial values."""
import pytest
import torch

from ddarts_mm.models.search.alpha_sets import initial_alpha, supernet_layout
from ddarts_mm.search_space.genotype import Edge, Gene, Genotype
from ddarts_mm.search_space.layout import dag_rows

INIT = dict(encoded=10.0, other=0.0, std=1e-3)


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


def test_dartopti_sets_per_gene_start_at_the_encoded_ops():
    genes = [Gene([Edge('simple_conv_3x3', 2, 0),
                   Edge('skip_connect', 3, 2)]),
             Gene([Edge('sep_conv_3x3', 2, 1)])]
    genotype = Genotype(genes, sequence=[0, 1, 1, 0], reductions=[1, 2],
                        steps=2, search_space='S_o')
    layout = supernet_layout(99, 99, 'S_o', genotype)
    assert layout.alpha_names == ['alpha_gene_0', 'alpha_gene_1']
    assert layout.set_layers == [[0, 3], [1, 2]]
    alpha = initial_alpha(layout, 0, INIT, genotype)
    rows = {edge: r for r, edge in enumerate(layout.rows)}
    assert alpha[rows[(2, 0)], layout.ops.index('simple_conv_3x3')] == 10.0
    assert alpha[rows[(3, 2)], layout.ops.index('skip_connect')] == 10.0
    assert (alpha == 10.0).sum() == 2
    assert (alpha == 0.0).sum() == alpha.numel() - 2


def test_random_start_is_darts_small_gaussian():
    layout = supernet_layout(3, 2, 'S')
    torch.manual_seed(0)
    alpha = initial_alpha(layout, 1, INIT)
    assert alpha.shape == (5, 7) and alpha.dtype == torch.float32
    assert 0 < alpha.abs().max() < 1e-2
