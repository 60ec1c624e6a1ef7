"""Parsing alpha into genotypes: darts, sparse and edge (paper, Sec. 5.1)."""
import math

import pytest
import torch

from ddarts_mm.search_space.genotype import Edge, Genotype, validate_genotype
from ddarts_mm.search_space.ops import SEARCH_SPACES
from ddarts_mm.search_space.parse import (PARSE_METHODS, SearchLayout,
                                          count_dominant_ops, dag_rows,
                                          parse_darts, parse_edge, parse_gene,
                                          parse_genotype, parse_sparse)

OPS = SEARCH_SPACES['S']
ROWS = dag_rows(2)  # (2,0) (2,1) (3,0) (3,1) (3,2)


def logit(p: float) -> float:
    return math.log(p / (1 - p))


def alpha_from(probs: dict, rows=ROWS, fill: float = 0.01) -> torch.Tensor:
    """Alpha whose sigmoid is ``fill`` except ``probs[(row, op)]``."""
    alpha = torch.full((len(rows), len(OPS)), logit(fill))
    for (row, op), p in probs.items():
        alpha[rows.index(row), OPS.index(op)] = logit(p)
    return alpha


def test_dag_rows_order_and_count():
    assert ROWS == [(2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]
    assert len(dag_rows(4)) == 14


def test_three_methods_on_a_known_alpha():
    probs = {((2, 0), 'sep_conv_3x3'): 0.95, ((2, 0), 'skip_connect'): 0.9,
             ((2, 1), 'max_pool_3x3'): 0.6,
             ((3, 0), 'dil_conv_3x3'): 0.3,
             ((3, 1), 'sep_conv_5x5'): 0.97, ((3, 1), 'dil_conv_5x5'): 0.96,
             ((3, 1), 'avg_pool_3x3'): 0.88,
             ((3, 2), 'skip_connect'): 0.86}
    weights = torch.sigmoid(alpha_from(probs))
    # darts: 2 strongest edges per node, argmax op, strongest first
    assert parse_darts(weights, ROWS, OPS) == [
        Edge('sep_conv_3x3', 2, 0), Edge('max_pool_3x3', 2, 1),
        Edge('sep_conv_5x5', 3, 1), Edge('skip_connect', 3, 2)]
    # sparse: the same edges, an op only if >= t
    assert parse_sparse(weights, ROWS, OPS, 0.85) == [
        Edge('sep_conv_3x3', 2, 0), Edge('sep_conv_5x5', 3, 1),
        Edge('skip_connect', 3, 2)]
    # edge: every edge, its <= 2 strongest ops >= t, by source node
    assert parse_edge(weights, ROWS, OPS, 0.85) == [
        Edge('sep_conv_3x3', 2, 0), Edge('skip_connect', 2, 0),
        Edge('sep_conv_5x5', 3, 1), Edge('dil_conv_5x5', 3, 1),
        Edge('skip_connect', 3, 2)]
    # a lower threshold admits more, never a third op per edge
    edges = parse_edge(weights, ROWS, OPS, 0.5)
    assert Edge('max_pool_3x3', 2, 1) in edges
    assert Edge('avg_pool_3x3', 3, 1) not in edges


def test_ties_break_by_position():
    weights = torch.full((len(ROWS), len(OPS)), 0.5)
    assert parse_darts(weights, ROWS, OPS) == [
        Edge(OPS[0], 2, 0), Edge(OPS[0], 2, 1), Edge(OPS[0], 3, 0),
        Edge(OPS[0], 3, 1)]


def test_node_without_input_is_dropped_with_its_outgoing_edges():
    # node 2 gets nothing >= t; its edge into node 3 would carry nothing
    probs = {((2, 0), 'sep_conv_3x3'): 0.6, ((3, 2), 'skip_connect'): 0.99,
             ((3, 1), 'dil_conv_3x3'): 0.9}
    gene = parse_gene(alpha_from(probs), ROWS, OPS, 'sparse', 0.85)
    assert gene.edges == [Edge('dil_conv_3x3', 3, 1)]
    assert gene.output_nodes() == [3]


def test_empty_gene_keeps_the_strongest_input_edge():
    probs = {((3, 2), 'skip_connect'): 0.8, ((2, 1), 'avg_pool_3x3'): 0.7,
             ((3, 0), 'sep_conv_5x5'): 0.75}
    for method in ('sparse', 'edge'):
        gene = parse_gene(alpha_from(probs), ROWS, OPS, method, 0.85)
        assert gene.edges == [Edge('sep_conv_5x5', 3, 0)]


@pytest.mark.parametrize('method', PARSE_METHODS)
@pytest.mark.parametrize('steps, space', [(2, 'S'), (4, 'S'), (4, 'S_o')])
def test_random_alphas_give_valid_genotypes(method, steps, space):
    generator = torch.Generator().manual_seed(steps)
    rows = dag_rows(steps)
    layout = SearchLayout(search_space=space, steps=steps, reductions=[1, 2],
                          sequence=[0, 1, 0, 2], alpha_names=['a', 'b', 'c'])
    for trial in range(5):
        alphas = [3 * torch.randn(len(rows), len(SEARCH_SPACES[space]),
                                  generator=generator) for _ in range(3)]
        genotype = parse_genotype(alphas, layout, method, 0.85)
        validate_genotype(genotype)
        assert genotype.sequence == [0, 1, 0, 2]
        assert genotype.reductions == [1, 2] and genotype.steps == steps
        assert genotype.search_space == space and len(genotype.genes) == 3
        for gene in genotype.genes:
            per_node = {}
            for edge in gene.edges:
                per_node.setdefault(edge.to_node, set()).add(edge.from_node)
            if method == 'darts':
                assert sorted(per_node) == list(range(2, steps + 2))
                assert all(len(v) == 2 for v in per_node.values())
            if method == 'sparse':
                assert all(len(v) <= 2 for v in per_node.values())
        # JSON round trip
        assert Genotype.loads(genotype.dumps()).to_dict() == \
            genotype.to_dict()


def test_parse_gene_checks_shape_and_method():
    with pytest.raises(ValueError, match='shape'):
        parse_gene(torch.zeros(4, len(OPS)), ROWS, OPS)
    with pytest.raises(ValueError, match='unknown parsing method'):
        parse_gene(torch.zeros(len(ROWS), len(OPS)), ROWS, OPS, 'top1')


def test_layout_round_trip_and_validation():
    layout = SearchLayout(search_space='S_o', steps=2, reductions=[1],
                          sequence=[0, 0, 1], alpha_names=['g0', 'g1'],
                          state_dict_keys=['alphas.g0', 'alphas.g1'],
                          name='ResNet18')
    data = layout.to_dict()
    assert data['rows'][0] == [2, 0]
    assert SearchLayout.from_dict(data) == layout
    with pytest.raises(ValueError, match='sequence'):
        SearchLayout('S', 2, [1], [0, 3], ['a', 'b'])
    with pytest.raises(ValueError, match='search space'):
        SearchLayout('T', 2, [1], [0], ['a'])
    with pytest.raises(ValueError, match='unknown field'):
        SearchLayout.from_dict(dict(data, extra=1))
    genotype = parse_genotype([torch.zeros(5, 12), torch.ones(5, 12)],
                              layout, 'darts')
    assert genotype.name == 'ResNet18_darts'


def test_count_dominant_ops():
    alpha = torch.tensor([[logit(0.95), logit(0.05), 0.0, logit(0.92)]])
    counts = count_dominant_ops([alpha, alpha])
    assert counts['total'] == 8 and counts['high'] == 4
    assert counts['low'] == 2
    assert counts['high_pct'] == pytest.approx(50.0)
    assert counts['both_pct'] == pytest.approx(75.0)


@pytest.mark.parametrize('change, expected', [
    (dict(steps=10**9), 'field steps'),
    (dict(steps='4'), 'field steps'),
    (dict(sequence=[0] * 2000), 'field sequence'),
    (dict(sequence=5), 'field sequence must be a list'),
    (dict(alpha_names=[1]), 'field alpha_names'),
    (dict(rows=[[2, 0]] * 1000), 'field rows'),
    (dict(rows=[['2', 0]]), 'field rows'),
    (dict(search_space=3), 'field search_space'),
])
def test_layout_from_checkpoint_data_is_bounded(change, expected):
    """Layouts come from checkpoint files: bounded before any work."""
    from ddarts_mm.search_space.parse import SearchLayout
    data = dict(search_space='S', steps=2, reductions=[1], sequence=[0, 0],
                alpha_names=['alpha_0'])
    assert SearchLayout.from_dict(dict(data)).steps == 2
    data.update(change)
    with pytest.raises(ValueError, match=expected):
        SearchLayout.from_dict(data)
    with pytest.raises(ValueError, match='missing field'):
        SearchLayout.from_dict(dict(search_space='S'))
    with pytest.raises(ValueError, match='mapping'):
        SearchLayout.from_dict([1, 2])


def test_one_edge_order_for_cells_layouts_and_heatmaps():
    from ddarts_mm.models.search import DDartsSupernet, SearchCell
    from ddarts_mm.visualization import darts_edge_names
    cell = SearchCell(3, 4, 4, 4, False, False, OPS)
    model = DDartsSupernet(num_cells=3, init_channels=4, steps=3)
    assert cell.edge_index == dag_rows(3) == model.search_layout().rows
    names = darts_edge_names(3)
    assert [names[i] for i in (0, 1, 2, 4, 8)] == [
        'c_{k-2}->0', 'c_{k-1}->0', 'c_{k-2}->1', '0->1', '1->2']
    assert model.search_layout().set_layers == [[0], [1], [2]]


def test_darts_parsing_is_sparse_parsing_without_threshold():
    torch.manual_seed(0)
    weights = torch.rand(len(ROWS), len(OPS))
    assert parse_darts(weights, ROWS, OPS, 0.99) == parse_sparse(
        weights, ROWS, OPS, 0.0)


# ------------------------------------------------ settled (decided) weights
@pytest.mark.parametrize('method', PARSE_METHODS)
def test_saturated_ties_do_not_change_the_parse(method):
    """Issue 29: two ops both kept by the search (weights above 0.9) swap
    their order on noise; the parse does not change. Without settling
    (``decided=None``) it flips with the noise."""
    base = {((2, 0), 'sep_conv_3x3'): 0.995, ((2, 0), 'max_pool_3x3'): 0.997,
            ((2, 1), 'skip_connect'): 0.996, ((3, 0), 'dil_conv_3x3'): 0.998,
            ((3, 2), 'sep_conv_5x5'): 0.994, ((3, 1), 'avg_pool_3x3'): 0.999}
    noisy = {key: 0.999 if value < 0.996 else 0.991
             for key, value in base.items()}  # every order reversed
    for decided, same in ((None, False), ((0.1, 0.9), True)):
        genes = [parse_gene(alpha_from(probs), ROWS, OPS, method,
                            decided=decided) for probs in (base, noisy)]
        assert (genes[0] == genes[1]) is same, (method, decided)


@pytest.mark.parametrize('method', PARSE_METHODS)
def test_settled_parse_keeps_what_is_decided(method):
    """Settling changes only the order of decided weights: a kept op (above
    0.9) still beats an undecided one, which beats a dropped one."""
    probs = {((2, 0), 'sep_conv_3x3'): 0.95, ((2, 1), 'skip_connect'): 0.6,
             ((3, 1), 'max_pool_3x3'): 0.92, ((3, 2), 'dil_conv_5x5'): 0.88}
    alpha = alpha_from(probs, fill=0.05)
    assert parse_gene(alpha, ROWS, OPS, method) == parse_gene(
        alpha, ROWS, OPS, method, decided=None)


def test_settle_weights_never_crosses_the_threshold():
    from ddarts_mm.search_space.parse import settle_weights
    weights = torch.tensor([[0.02, 0.5, 0.93, 0.97]], dtype=torch.float64)
    assert settle_weights(weights, 0.85).tolist() == [[0.1, 0.5, 0.9, 0.9]]
    # a threshold above the upper bound raises the bound to it
    assert settle_weights(weights, 0.95).tolist() == [
        [0.1, 0.5, 0.93, 0.95]]
    # a threshold at or below the lower bound: no floor (0.02 stays out)
    assert settle_weights(weights, 0.05).tolist()[0][0] == pytest.approx(0.02)
    assert settle_weights(weights, 0.85, None) is weights
    with pytest.raises(ValueError, match='decided'):
        settle_weights(weights, 0.85, (0.9, 0.1))
