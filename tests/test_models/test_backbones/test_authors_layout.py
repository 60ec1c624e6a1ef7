"""``layout='authors'``: the network the D-DARTS reference code builds."""
import pytest

from ddarts_mm.models.backbones import DDartsNet
from ddarts_mm.models.backbones.authors_layout import (authors_cell_kind,
                                                       authors_gene,
                                                       authors_genotype,
                                                       authors_grow_indices,
                                                       authors_skipped_edges)
from ddarts_mm.search_space.genotype import Edge, Gene, GenotypeError
from ddarts_mm.search_space.zoo import get_genotype, zoo_names


def test_growth_keeps_the_authors_formula_and_reductions():
    # (i % 8) // 3 in the first stage, reductions left at [2, 6]
    assert authors_grow_indices(8, [2, 6], 14) == [
        0, 0, 0, 1, 2, 4, 3, 4, 3, 5, 6, 7, 6, 7]
    assert authors_grow_indices(8, [2, 6], 8) == list(range(8))
    assert authors_grow_indices(8, [2, 6], 5) == list(range(5))
    with pytest.raises(GenotypeError, match='NotImplementedError'):
        authors_grow_indices(4, [1, 2, 3], 8)


def test_grown_genotype_builds_with_the_authors_reductions():
    name = 'D-DARTS_threshold_sparse_cifar10_0.85_50'
    genotype = authors_genotype(get_genotype(name), 14)
    assert genotype.reductions == [2, 6] and genotype.num_layers == 14
    source = get_genotype(name)
    expected = [0, 0, 0, 1, 2, 4, 3, 4, 3, 5, 6, 7, 6, 7]
    for layer, gene in enumerate(expected):
        assert genotype.layer_gene(layer).edges == source.genes[gene].edges
    net = DDartsNet(name, 4, layers=14, layout='authors')
    assert net.genotype.reductions == [2, 6]
    assert [c.reduction for c in net.cells].count(True) == 2
    ours = DDartsNet(name, 4, layers=14)  # Algorithm 1: reductions 4, 9
    assert ours.genotype.reductions == [4, 9]


def test_dco_node_order_skips_edges_from_later_nodes():
    gene = Gene([Edge('simple_conv_1x1', 4, 0), Edge('sep_conv_3x3', 2, 0),
                 Edge('sep_conv_3x3', 3, 2), Edge('max_pool_3x3', 4, 3)])
    assert authors_skipped_edges(gene) == [3]
    equivalent = authors_gene(gene)
    assert equivalent.concat == [4, 2, 3]
    assert equivalent.edges == gene.edges[:3]
    sorted_gene = get_genotype('DO-2-ResNet18').genes[0]
    assert authors_gene(sorted_gene) is sorted_gene
    with pytest.raises(GenotypeError, match='node 3 has no input'):
        authors_gene(Gene([Edge('sep_conv_3x3', 3, 2),
                           Edge('sep_conv_3x3', 2, 0)]))


def test_zoo_genotypes_are_unchanged_except_xception():
    genotypes = {name: get_genotype(name) for name in zoo_names()}
    changed = [name for name, genotype in genotypes.items()
               if authors_genotype(genotype) is not genotype]
    assert changed == ['Xception']


def test_cell_kinds_and_pairs_limits():
    assert authors_cell_kind(get_genotype('DARTS_V2')) == 'pairs'
    assert authors_cell_kind(get_genotype('DO-2-ResNet18')) == 'dco'
    with pytest.raises(GenotypeError, match='at most 8 layers'):
        authors_genotype(get_genotype('DARTS_V2'), 20)
    with pytest.raises(ValueError, match='layout'):
        DDartsNet('DARTS_V2', 8, layout='paper')
