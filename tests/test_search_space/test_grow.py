"""Algorithm 1: growing a network from searched cells."""
import pytest

from ddarts_mm.search_space import (SEARCH_SPACES, Edge, Gene, Genotype,
                                    GenotypeError, get_genotype,
                                    validate_genotype)
from ddarts_mm.search_space.grow import grow_genotype, grow_indices


def d_darts_genotype(num_cells: int, reductions=None) -> Genotype:
    """One distinct gene per layer (gene k has k + 1 edges into node 2).

    The edges of a gene are distinct (a repeated edge is refused).
    """
    if reductions is None:
        reductions = [num_cells // 3, 2 * num_cells // 3]
    into_2 = [Edge(op, 2, src) for op in SEARCH_SPACES['S'] for src in (0, 1)]
    genes = [Gene(into_2[:k + 1]) for k in range(num_cells)]
    return Genotype(genes, list(range(num_cells)), reductions, name='toy')


def test_darts_v2_grown_to_20_cells():
    assert grow_indices(8, [2, 5], 20) == [
        0, 1, 0, 1, 0, 1,  # i mod 2
        2,  # i == 20 // 3
        4, 3, 4, 3, 4, 3,  # (i mod 2) + 3
        5,  # i == 2 * 20 // 3
        6, 7, 6, 7, 6, 7  # (i mod 2) + 6
    ]
    grown = grow_genotype(get_genotype('DARTS_V2'), 20)
    assert grown.reductions == [6, 13]
    assert grown.sequence == [1 if i in (6, 13) else 0 for i in range(20)]
    assert grown.name == 'DARTS_V2@20'
    validate_genotype(grown)


def test_darts_v2_grown_to_14_cells():
    grown = grow_genotype(get_genotype('DARTS_V2'), 14)
    assert grown.reductions == [4, 9]
    assert grown.sequence == [1 if i in (4, 9) else 0 for i in range(14)]
    assert len(grown.genes) == 2  # genes kept, not pruned


@pytest.mark.parametrize('num_cells, reductions',
                         [(5, [1, 3]), (8, [2, 5]), (8, [2, 6]),
                          (13, [4, 8])])
@pytest.mark.parametrize('layers', [14, 15, 20, 31])
def test_each_grown_layer_comes_from_the_right_stage(num_cells, reductions,
                                                     layers):
    m, m2 = reductions
    indices = grow_indices(num_cells, reductions, layers)
    assert len(indices) == layers
    for i, cell in enumerate(indices):
        if i < layers // 3:
            assert cell == i % m  # phase i mod k, first stage 0..m-1
        elif i == layers // 3:
            assert cell == m
        elif i < 2 * layers // 3:
            period = m2 - 1 - m
            assert m < cell < m2 and cell - (m + 1) == i % period
        elif i == 2 * layers // 3:
            assert cell == m2
        else:
            period = num_cells - 1 - m2
            assert m2 < cell < num_cells and cell - (m2 + 1) == i % period
    # every searched normal cell of a stage is used when the stage is long
    if layers >= 3 * num_cells:
        assert set(indices) == set(range(num_cells))

    genotype = d_darts_genotype(num_cells, reductions)
    grown = grow_genotype(genotype, layers)
    assert grown.reductions == [layers // 3, 2 * layers // 3]
    assert grown.sequence == indices  # one gene per searched layer
    assert [grown.layer_gene(i) for i in range(layers)] == [
        genotype.layer_gene(c) for c in indices]
    validate_genotype(grown)


def test_sequence_is_mapped_through_the_searched_sequence():
    genes = [Gene([Edge('skip_connect', 2, 0)]),
             Gene([Edge('max_pool_3x3', 2, 0)]),
             Gene([Edge('sep_conv_3x3', 2, 1)])]
    genotype = Genotype(genes, [0, 2, 1, 0, 2, 1, 0, 2], [2, 5],
                        name='shared', source='unit test')
    grown = grow_genotype(genotype, 11)
    indices = grow_indices(8, [2, 5], 11)
    assert grown.sequence == [genotype.sequence[c] for c in indices]
    assert grown.reductions == [3, 7]
    assert grown.sequence[3] == grown.sequence[7] == 1
    assert grown.source.startswith('unit test; grown from 8 to 11 layers')
    assert grown.genes == genotype.genes and grown.genes is not genotype.genes


def test_same_size_returns_the_genotype_unchanged():
    genotype = d_darts_genotype(8)
    assert grow_genotype(genotype, 8) is genotype
    assert grow_indices(8, [2, 5], 8) == list(range(8))


def test_fewer_layers_is_an_error():
    with pytest.raises(GenotypeError, match='layers=6 is fewer than the 8'):
        grow_genotype(d_darts_genotype(8), 6)


@pytest.mark.parametrize('num_cells, reductions, stage', [
    (4, [1, 2], 'second'),  # 4 searched cells: 4//3 = 1, 8//3 = 2
    (8, [0, 4], 'first'),
    (8, [2, 7], 'last'),
])
def test_stage_without_normal_cell_is_a_clear_error(num_cells, reductions,
                                                    stage):
    with pytest.raises(GenotypeError, match=f'the {stage} stage .* no normal'):
        grow_indices(num_cells, reductions, 20)


@pytest.mark.parametrize('reductions', [[1, 2, 3], [2], [], [5, 2], [2, 9]])
def test_reductions_must_be_two_increasing_layers(reductions):
    with pytest.raises(GenotypeError, match='Algorithm 1'):
        grow_indices(8, reductions, 20)


def test_dartopti_genotype_with_three_reductions_is_rejected():
    with pytest.raises(GenotypeError, match='exactly two reduction layers'):
        grow_genotype(get_genotype('ResNet18'), 8)


def test_official_d_darts_genotype_grown_to_14():
    genotype = get_genotype('D-DARTS_threshold_sparse_cifar10_0.85_50')
    grown = grow_genotype(genotype, 14)
    # official reductions [2, 6]: middle stage cells 3..5, last stage cell 7
    assert grown.sequence == [0, 1, 0, 1, 2, 5, 3, 4, 5, 6, 7, 7, 7, 7]
    assert grown.name == 'D-DARTS_threshold_sparse_cifar10_0.85_50@14'
