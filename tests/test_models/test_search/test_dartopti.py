"""DARTOpti: a genotype's layout (one alpha set per gene), its encoding as
initial alphas, the defaults, the search space check."""
import pytest
import torch

from ddarts_mm.models.search import DDartsSupernet
from ddarts_mm.models.search.alpha_sets import supernet_layout
from ddarts_mm.models.search.dartopti import (ALPHA_INIT_DEFAULTS,
                                              alpha_init_options,
                                              check_genotype, initial_alpha)
from ddarts_mm.search_space.genotype import Edge, Gene, Genotype
from ddarts_mm.search_space.ops import search_space_ops

INIT = dict(encoded=10.0, other=0.0, std=1e-3)


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


def test_defaults_and_overrides():
    assert ALPHA_INIT_DEFAULTS == INIT
    assert alpha_init_options(None) == INIT
    assert alpha_init_options(dict(encoded=5.0))['encoded'] == 5.0
    assert ALPHA_INIT_DEFAULTS['encoded'] == 10.0  # not modified
    with pytest.raises(ValueError, match='alpha_init: unknown key'):
        alpha_init_options(dict(encode=5.0))


def test_a_genotype_outside_the_search_space_is_refused():
    genotype = Genotype([Gene([Edge('simple_conv_3x3', 2, 0)])],
                        sequence=[0], reductions=[], steps=1,
                        search_space='S_o')
    check_genotype(genotype, search_space_ops('S_o'), 'S_o')
    with pytest.raises(ValueError, match="search_space='S_o'"):
        check_genotype(genotype, search_space_ops('S'), 'S')


def test_the_supernet_starts_from_the_zoo_resnet18():
    model = DDartsSupernet(genotype='ResNet18', search_space='S_o',
                           init_channels=4)
    alphas = model.arch_parameters()
    assert list(alphas) == ['alpha_gene_0']  # one gene: one shared set
    (alpha, ) = alphas.values()
    assert set(alpha.detach().unique().tolist()) == {0.0, 10.0}
