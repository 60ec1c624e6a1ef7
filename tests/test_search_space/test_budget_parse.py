"""The parse that keeps a budget (issue 27, item 3): lowest-weight ops go
first, every node stays fed, the counted cost ends within the budget, and
the genotype file records its cost and budget."""
import json
import warnings
from typing import List

import pytest
import torch

from ddarts_mm.models.backbones.network_cost import network_cost
from ddarts_mm.search_space.budget_parse import (BudgetWarning, fit_budget,
                                                 parse_within_budget)
from ddarts_mm.search_space.genotype import (Genotype, GenotypeCost,
                                             GenotypeError)
from ddarts_mm.search_space.layout import SearchLayout
from ddarts_mm.search_space.parse import parse_genotype

#: A small retrained network: 3 cells of 2 steps, C=4, CIFAR stem at 8x8.
NETWORK = dict(init_channels=4, layers=3, stem='cifar', input_size=(8, 8),
               num_classes=10)


def cost_fn(metric: str = 'flops'):
    return lambda genotype: network_cost(genotype, **NETWORK).metric(metric)


@pytest.fixture
def layout() -> SearchLayout:
    return SearchLayout(search_space='S', steps=2, reductions=[1],
                        sequence=[0, 1, 2],
                        alpha_names=['alpha_0', 'alpha_1', 'alpha_2'])


def random_alphas(layout: SearchLayout, seed: int = 0) -> List[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return [2 * torch.randn(len(layout.rows), len(layout.ops),
                            generator=generator)
            for _ in layout.alpha_names]


def fed_nodes(genotype: Genotype) -> List[set]:
    return [{edge.to_node for edge in gene.edges} for gene in genotype.genes]


@pytest.mark.parametrize('method', ['darts', 'edge'])
def test_over_budget_is_brought_under_it(layout, method):
    alphas = random_alphas(layout)
    parsed = parse_genotype(alphas, layout, method, threshold=0.3)
    full = cost_fn()(parsed)
    budget = 0.7 * full
    result = fit_budget(parsed, alphas, layout, cost_fn(), budget, 'flops',
                        method, threshold=0.3)
    assert result.within_budget and result.dropped
    assert result.parsed_cost == pytest.approx(full)
    counted = network_cost(result.genotype, **NETWORK).flops
    assert counted == pytest.approx(result.cost) and counted <= budget
    # every node the parse fed is still fed
    assert fed_nodes(result.genotype) == fed_nodes(parsed)
    assert result.genotype.cost == GenotypeCost('flops', counted, budget)
    assert 'budget' in result.genotype.source


def test_lowest_weight_ops_go_first(layout):
    alphas = [torch.full((len(layout.rows), len(layout.ops)), -5.0)
              for _ in layout.alpha_names]
    # gene 0: node 2 fed by (2, 0) and (2, 1), node 3 by (3, 0) and (3, 2)
    weights = {0: 0.99, 1: 0.6, 2: 0.97, 4: 0.7}  # row -> weight of op 3
    for row, weight in weights.items():
        alphas[0][row, 3] = torch.logit(torch.tensor(weight))
    for alpha in alphas[1:]:
        alpha[0, 1] = alpha[2, 1] = 5.0  # one edge per node: nothing to drop
    parsed = parse_genotype(alphas, layout, 'edge', threshold=0.5,
                            decided=None)
    assert len(parsed.genes[0].edges) == 4
    cost = cost_fn()
    # just below the parse's cost: only the lowest-weight op goes
    result = fit_budget(parsed, alphas, layout, cost, cost(parsed) - 1,
                        'flops', 'edge', 0.5, decided=None)
    assert [(d.gene, d.edge.to_node, d.edge.from_node)
            for d in result.dropped] == [(0, 2, 1)]
    assert result.dropped[0].weight == pytest.approx(0.6)
    # much lower: the next lowest goes too, the last edges into 2 and 3
    # stay
    with pytest.warns(BudgetWarning):
        low = fit_budget(parsed, alphas, layout, cost, 1.0, 'flops', 'edge',
                         0.5, decided=None)
    assert [d.weight for d in low.dropped] == pytest.approx([0.6, 0.7])
    assert {(e.to_node, e.from_node) for e in low.genotype.genes[0].edges
            } == {(2, 0), (3, 0)}


def test_ties_go_by_position(layout):
    alphas = [torch.full((len(layout.rows), len(layout.ops)), -5.0)
              for _ in layout.alpha_names]
    for alpha in alphas:  # every sep_conv_3x3 decided (kept): ties
        alpha[:, 3] = torch.linspace(5.0, 6.0, len(layout.rows))
    parsed = parse_genotype(alphas, layout, 'darts')
    cost = cost_fn()
    first = fit_budget(parsed, alphas, layout, cost, cost(parsed) - 1,
                       'flops', 'darts')
    again = fit_budget(parsed, alphas, layout, cost, cost(parsed) - 1,
                       'flops', 'darts')
    assert first.dropped == again.dropped
    assert first.within_budget
    # the first gene's first row, though its raw weight is the smallest
    dropped = first.dropped[0]
    assert (dropped.gene, dropped.edge.to_node, dropped.edge.from_node) == (
        0, 2, 0)
    assert dropped.weight == pytest.approx(0.9)


def test_no_budget_changes_nothing(layout):
    alphas = random_alphas(layout, seed=1)
    parsed = parse_genotype(alphas, layout, 'sparse', threshold=0.5)
    result = fit_budget(parsed, alphas, layout, cost_fn(), None, 'flops',
                        'sparse', 0.5)
    assert result.genotype.genes == parsed.genes
    assert result.genotype.source == parsed.source
    assert not result.dropped and result.within_budget
    assert result.genotype.cost == GenotypeCost('flops', cost_fn()(parsed))


def test_budget_below_the_cheapest_keeps_a_valid_flagged_genotype(layout):
    alphas = random_alphas(layout, seed=2)
    with pytest.warns(BudgetWarning, match='above the budget'):
        result = parse_within_budget(alphas, layout, cost_fn('params'), 1.0,
                                     'params', 'edge', threshold=0.3)
    assert not result.within_budget
    assert not result.genotype.cost.within_budget
    parsed = parse_genotype(alphas, layout, 'edge', threshold=0.3)
    assert fed_nodes(result.genotype) == fed_nodes(parsed)
    # one edge per node is left, except those whose removal saves nothing
    for gene in result.genotype.genes:
        into = [e.to_node for e in gene.edges]
        for node in set(into):
            assert into.count(node) == 1 or all(
                e.op in ('skip_connect', 'max_pool_3x3', 'avg_pool_3x3')
                for e in gene.edges[1:] if e.to_node == node)


def test_the_genotype_file_records_cost_and_budget(layout, tmp_path):
    alphas = random_alphas(layout)
    parsed = parse_genotype(alphas, layout, 'darts')
    budget = 0.8 * cost_fn()(parsed)
    genotype = fit_budget(parsed, alphas, layout, cost_fn(), budget,
                          'flops', 'darts').genotype
    for suffix in ('json', 'yaml'):
        path = genotype.save(tmp_path / f'g.{suffix}')
        loaded = Genotype.load(path)
        assert loaded == genotype
        assert loaded.cost.budget == pytest.approx(budget)
    data = json.loads((tmp_path / 'g.json').read_text())
    assert set(data['cost']) == {'metric', 'value', 'budget'}
    # a file without it (every earlier file) still loads
    del data['cost']
    (tmp_path / 'old.json').write_text(json.dumps(data))
    assert Genotype.load(tmp_path / 'old.json').cost is None


@pytest.mark.parametrize('cost, field', [
    (dict(metric='flops'), "missing field 'value'"),
    (dict(metric='flops', value=-1.0), 'cost.value'),
    (dict(metric='flops', value=1.0, budget=0), 'cost.budget'),
    (dict(metric='flops', value=1.0, extra=1), "['extra']"),
    ([1, 2], 'field cost must be a mapping'),
])
def test_a_bad_cost_record_is_one_line(layout, cost, field):
    data = parse_genotype(random_alphas(layout), layout, 'darts').to_dict()
    data['cost'] = cost
    with pytest.raises(GenotypeError) as info:
        Genotype.from_dict(data, 'g.json')
    assert field in str(info.value) and '\n' not in str(info.value)
    assert str(info.value).startswith('g.json')


def test_bad_arguments(layout):
    alphas = random_alphas(layout)
    parsed = parse_genotype(alphas, layout, 'darts')
    with pytest.raises(ValueError, match='budget must be'):
        fit_budget(parsed, alphas, layout, cost_fn(), -1.0)
    with pytest.raises(ValueError, match='alpha sets'):
        fit_budget(parsed, alphas[:2], layout, cost_fn(), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # within budget: no warning
        fit_budget(parsed, alphas, layout, cost_fn(), 1e12)
