"""The cost model (issue 27): counted costs equal ``info``'s, the expected
cost at 0/1 weights equals the counted cost of the retrained network, the
budget penalty's gradient, the options and the latency table."""
import importlib.util
import json
from pathlib import Path
from typing import List

import pytest
import torch
from helpers import darts_v2, fairdarts_a
from mmengine.optim import OptimWrapper, OptimWrapperDict

from ddarts_mm.apis.genotype_cli.info import network_info
from ddarts_mm.models.backbones.network_cost import (network_cost,
                                                     network_cost_model)
from ddarts_mm.models.search import DDartsSupernet
from ddarts_mm.models.search.alpha_sets import supernet_layout
from ddarts_mm.search_space.cost import (Cost, LatencyTable, live_cells,
                                         live_edges)
from ddarts_mm.search_space.expected_cost import (CostOptions, CostPenalty,
                                                  ExpectedCost,
                                                  budget_penalty,
                                                  retrained_sets)
from ddarts_mm.search_space.genotype import Genotype
from ddarts_mm.search_space.grow import grow_genotype
from ddarts_mm.search_space.layout import SearchLayout
from ddarts_mm.search_space.parse import parse_genotype
from ddarts_mm.search_space.sampling import random_genotype
from ddarts_mm.search_space.zoo import get_genotype

REPO = Path(__file__).resolve().parents[2]


def parsed(layout: SearchLayout, method: str, seed: int,
           scale: float = 2.0) -> Genotype:
    """The parse of random alphas (sparse and edge leave some inputs unread
    and some nodes unfed)."""
    generator = torch.Generator().manual_seed(seed)
    alphas = [scale * torch.randn(len(layout.rows), len(layout.ops),
                                  generator=generator)
              for _ in layout.alpha_names]
    return parse_genotype(alphas, layout, method, threshold=0.7)


def counted(genotype: Genotype, init_channels: int, stem: str,
            num_classes: int, size) -> Cost:
    """What ``tools/genotype.py info`` counts for the built network."""
    info = network_info(genotype, stem, init_channels, num_classes, False,
                        size)
    return Cost(info['params'], info['flops'])


# ------------------------------------------------------------ counted cost
CONCRETE = {
    # explicit concat, 8 layers
    'darts_v2': (lambda: darts_v2(8), 8, None, 'cifar', 10, (32, )),
    # grown with Algorithm 1 (8 -> 11 layers), ImageNet stem, odd size
    'fairdarts_a_grown': (lambda: fairdarts_a(8), 4, 11, 'imagenet', 100,
                          (63, 47)),
    # a sparse parse: unread inputs, fewer output nodes
    'sparse_parse': (lambda: parsed(supernet_layout(5, 3, 'S'), 'sparse', 1),
                     4, None, 'cifar', 10, (15, )),
    # DARTOpti, detection backbone alone (every stage returned)
    'do2_resnet18': (lambda: get_genotype('DO-2-ResNet18'), 4, None,
                     'detection', 0, (40, 56)),
    # DARTOpti ResNet50: cells read node 0 only, so cells 0 and 2 are dead
    'resnet50_dead_cells': (lambda: get_genotype('ResNet50'), 4, None,
                            'cifar', 10, (16, )),
}


@pytest.mark.parametrize('case', list(CONCRETE))
def test_genotype_cost_equals_what_info_counts(case):
    make, channels, layers, stem, classes, size = CONCRETE[case]
    genotype = make()
    cost = network_cost(genotype, channels, layers, stem, size, classes)
    grown = grow_genotype(genotype, layers) if layers else genotype
    assert cost == counted(grown, channels, stem, classes, size)


def test_dead_code_rules():
    genotype = get_genotype('ResNet50')
    reads = [{e.from_node for e in live_edges(genotype.layer_gene(layer))}
             for layer in range(4)]
    assert reads == [{0, 2, 3}, {0, 2, 3, 4}, {0, 2, 3, 4, 5, 6}, {0, 2, 3}]
    assert live_cells(reads, [3]) == [False, True, False, True]
    gene = darts_v2().genes[0]
    assert live_edges(gene) == set(gene.edges)


# ----------------------------------------------------------- expected cost
def one_hot(genotype: Genotype, layout: SearchLayout) -> List[torch.Tensor]:
    """Each set's 0/1 weights selecting its gene's ops (softmax: ``none``
    on the other edges)."""
    rows = {row: r for r, row in enumerate(layout.rows)}
    weights = []
    for layers in layout.set_layers:
        w = torch.zeros(len(layout.rows), len(layout.ops),
                        dtype=torch.float64)
        edges = genotype.layer_gene(layers[0]).edges
        for edge in edges:
            w[rows[(edge.to_node, edge.from_node)],
              layout.ops.index(edge.op)] = 1
        if layout.mixing == 'softmax':  # the other edges draw none
            w[w.sum(1) == 0, layout.ops.index('none')] = 1
        weights.append(w)
    return weights


def expected_model(layout: SearchLayout, metric: str, layers: int,
                   channels: int, stem: str, classes: int,
                   size) -> ExpectedCost:
    retrained = retrained_sets(layout, layers)
    model = network_cost_model(layers, retrained.reductions, layout.steps,
                               layout.search_space, channels, stem, size,
                               classes)
    return ExpectedCost(model, layout, retrained.sets, metric)


DARTS_LAYOUT = supernet_layout(5, 2, 'DARTS', share_alphas='cell_type',
                               mixing='softmax')
EXPECTED = {
    # D-DARTS, sigmoid, retrained as searched
    'ddarts_plain_sparse': (supernet_layout(5, 3, 'S'), 'sparse', 5, 'cifar',
                            10, (16, )),
    # D-DARTS grown 5 -> 8 cells (Algorithm 1), detection stem
    'ddarts_grown_edge': (supernet_layout(5, 2, 'S'), 'edge', 8, 'detection',
                          10, (32, )),
    # DARTS supernet: softmax with none, two shared sets, grown to 8
    'darts_softmax_grown': (DARTS_LAYOUT, 'darts', 8, 'cifar', 10, (16, )),
}


@pytest.mark.parametrize('case', list(EXPECTED))
@pytest.mark.parametrize('seed', [0, 1])
def test_expected_cost_at_01_weights_is_the_counted_cost(case, seed):
    layout, method, layers, stem, classes, size = EXPECTED[case]
    genotype = parsed(layout, method, seed)
    grown = grow_genotype(genotype, layers)
    concrete = network_cost(grown, 4, None, stem, size, classes)
    weights = one_hot(genotype, layout)
    for metric in ('params', 'flops'):
        expected = expected_model(layout, metric, layers, 4, stem, classes,
                                  size)
        assert float(expected(weights)) == concrete.metric(metric), metric
    if seed == 0:  # and both are what info counts
        assert concrete == counted(grown, 4, stem, classes, size)


@pytest.mark.parametrize('name', ['ResNet18', 'DO-2-ResNet18', 'ResNet50'])
def test_expected_cost_of_a_dartopti_layout(name):
    """One alpha set per gene, shared by several cells (ResNet18: one set
    for all 4 cells at 4 positions; ResNet50: dead cells)."""
    genotype = get_genotype(name)
    layout = supernet_layout(0, 0, 'S_o', genotype=genotype)
    weights = one_hot(genotype, layout)
    concrete = network_cost(genotype, 4, None, 'detection', (48, ), 0)
    for metric in ('params', 'flops'):
        expected = expected_model(layout, metric, genotype.num_layers, 4,
                                  'detection', 0, (48, ))
        assert float(expected(weights)) == concrete.metric(metric)
    # alpha -> +-inf through the layout's sigmoid: the same cost
    alphas = [80 * w - 40 for w in weights]
    assert float(expected.of_alphas(alphas)) == pytest.approx(
        concrete.flops, rel=1e-12)


def test_expected_cost_is_the_mean_cost_of_sampled_genotypes():
    """Sigmoid weights: each op kept with probability w; params are
    linear in what is kept, so E[params] is the sampled networks' mean."""
    layout = supernet_layout(3, 2, 'S')
    expected = expected_model(layout, 'params', 3, 2, 'cifar', 10, (8, ))
    generator = torch.Generator().manual_seed(0)
    # every node fed with certainty (skip_connect from node 0 always kept)
    weights = [torch.rand(len(layout.rows), len(layout.ops),
                          generator=generator, dtype=torch.float64)
               for _ in range(3)]
    for w in weights:
        w[[0, 2], layout.ops.index('skip_connect')] = 1.0
    model = expected.model
    exact = 0.0
    # E[params] by linearity: each op weighted by its probability
    for layer, position in enumerate(model.positions):
        w = weights[layer]
        for r, (_, src) in enumerate(layout.rows):
            for k, op in enumerate(layout.ops):
                exact += float(w[r, k]) * model.op_cost(position, op,
                                                        src).params
        exact += sum(model.input_cost(position, i).at(
            1 if source.layer is None else 2).params
            for i, source in enumerate((position.prev_prev, position.prev)))
    exact += model.stem_cost().params + model.head_cost().at(2).params
    assert float(expected(weights)) == pytest.approx(exact, rel=1e-12)


# ---------------------------------------------------------------- penalty
def small_penalty(budget_fraction: float = 0.5) -> CostPenalty:
    layout = supernet_layout(5, 2, 'S')
    expected = expected_model(layout, 'flops', 8, 4, 'cifar', 10, (16, ))
    zero = [torch.zeros(len(layout.rows), len(layout.ops))] * 5
    budget = budget_fraction * float(expected.of_alphas(zero))
    return CostPenalty(expected, budget, weight=3.0)


def test_penalty_gradient_equals_autograd_and_finite_differences():
    penalty = small_penalty()
    generator = torch.Generator().manual_seed(0)
    alphas = [torch.randn(5, 7, generator=generator, dtype=torch.float64)
              for _ in range(5)]
    result = penalty(alphas)
    assert float(result.penalty) > 0

    leaves = [a.clone().requires_grad_() for a in alphas]
    reference = budget_penalty(penalty.expected.of_alphas(leaves),
                               penalty.budget, penalty.weight)
    autograd = torch.autograd.grad(reference, leaves)
    for grad, auto in zip(result.grads, autograd):
        torch.testing.assert_close(grad, auto, rtol=1e-12, atol=0)

    def value(s: int, r: int, k: int, step: float) -> float:
        moved = [a.clone() for a in alphas]
        moved[s][r, k] += step
        return float(penalty(moved).penalty)

    eps = 1e-4
    for s, r, k in [(0, 0, 0), (1, 3, 4), (2, 4, 6), (4, 2, 3)]:
        difference = (value(s, r, k, eps) - value(s, r, k, -eps)) / (2 * eps)
        assert float(result.grads[s][r, k]) == pytest.approx(
            difference, rel=1e-6, abs=1e-9)


def test_penalty_is_zero_under_the_budget():
    penalty = small_penalty(budget_fraction=2.0)
    result = penalty([torch.zeros(5, 7)] * 5)
    assert float(result.penalty) == 0
    assert all(float(g.abs().max()) == 0 for g in result.grads)


def arch_batch() -> dict:
    generator = torch.Generator().manual_seed(1)
    return dict(inputs=torch.randn(2, 3, 8, 8, generator=generator),
                data_samples=torch.tensor([0, 3]))


class RecordingWrapper(OptimWrapper):
    """Keeps the gradient it steps on."""

    def step(self, **kwargs) -> None:
        self.stepped = [p.grad.clone() for group in
                        self.optimizer.param_groups for p in group['params']]
        super().step(**kwargs)


def recording(model: DDartsSupernet) -> OptimWrapperDict:
    optim = {name: RecordingWrapper(torch.optim.SGD([alpha], lr=0.1))
             for name, alpha in model.arch_parameters().items()}
    optim['weights'] = OptimWrapper(
        torch.optim.SGD(model.weight_parameters(), lr=0.1))
    return OptimWrapperDict(**optim)


def test_the_architect_adds_the_penalty_gradient_to_every_set():
    """The same step with and without the budget: every set's gradient
    differs by exactly the penalty's, and the step logs the cost."""
    options = dict(num_cells=5, init_channels=4, steps=2,
                   ablation=dict(mode='none'))
    cost = dict(metric='params', budget=1000.0, weight=2.0, layers=8,
                init_channels=8)
    grads, logged = {}, {}
    for budgeted in (False, True):
        torch.manual_seed(0)
        model = DDartsSupernet(**options, cost=cost if budgeted else None)
        if budgeted:
            penalty = model.architect.cost_penalty(model.alpha_list())
            assert float(model.architect.cost_penalty.expected.of_alphas(
                model.alpha_list())) == float(penalty.expected)
        else:
            assert model.architect.cost_penalty is None
        wrappers = recording(model)
        logged[budgeted] = model.arch_step(arch_batch(), wrappers)
        grads[budgeted] = [wrappers[name].stepped[0]
                           for name in model.alpha_names()]
    assert not any(key.startswith('cost_') for key in logged[False])
    assert float(logged[True]['cost_budget']) == 1000.0
    assert float(logged[True]['cost_expected']) == pytest.approx(
        float(penalty.expected))
    assert float(logged[True]['cost_penalty']) == pytest.approx(
        float(penalty.penalty))
    assert float(penalty.penalty) > 0
    for free, budgeted, grad in zip(grads[False], grads[True],
                                    penalty.grads):
        torch.testing.assert_close(budgeted - free, grad, rtol=1e-5,
                                   atol=1e-4)


# ---------------------------------------------------------------- options
@pytest.mark.parametrize('cost, message', [
    (dict(metric='flops', budget=-1.0), 'model.cost.budget must be'),
    (dict(metric='macs', budget=1.0), 'model.cost.metric must be one of'),
    (dict(metric='latency', budget=1.0), "metric='latency' needs table"),
    (dict(metric='flops'), 'model.cost.budget must be'),
    (dict(budget=1.0, widht=2.0), "unknown key(s) ['widht']"),
    (dict(budget=1.0, weight=-1.0), 'model.cost.weight must be'),
    (dict(budget=1.0, layers=0), 'model.cost.layers must be'),
    (dict(budget=1.0, layers=4), 'is fewer than the 5 searched layers'),
    (dict(budget=1.0, metric='latency', table='missing.json'),
     'missing.json: no such latency table'),
])
def test_a_bad_cost_option_is_one_line(cost, message):
    with pytest.raises(ValueError) as info:
        DDartsSupernet(num_cells=5, init_channels=4, steps=2, cost=cost)
    assert message in str(info.value)
    assert '\n' not in str(info.value)


def test_cost_options_defaults():
    options = CostOptions.from_dict(dict(budget=5e6))
    assert (options.metric, options.weight, options.table) == ('flops', 1.0,
                                                               None)


# ------------------------------------------------------------ latency table
def load_tool():
    path = REPO / 'tools' / 'latency_table.py'
    spec = importlib.util.spec_from_file_location('latency_table', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TINY = ['--layers', '3', '--steps', '1', '--init-channels', '2',
        '--input-size', '8', '--repeats', '2', '--warmup', '0']


def test_latency_table_tool_and_its_use(tmp_path, capsys):
    out = tmp_path / 'latency.json'
    assert load_tool().main([str(out), *TINY]) == 0
    assert 'timed on cpu' in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data['search_space'] == 'S' and data['unit'] == 'ms'
    assert data['ops'] == list(supernet_layout(3, 1, 'S').ops)
    assert data['network']['num_layers'] == 3
    assert 'sep_conv_3x3|C4|8x8|s2' in data['entries']
    assert all(v >= 0 for v in data['entries'].values())

    cost = dict(metric='latency', table=str(out), budget=1e-3,
                input_size=8)
    model = DDartsSupernet(num_cells=3, init_channels=2, steps=1, cost=cost)
    assert float(model.architect.cost_penalty.expected.of_alphas(
                model.alpha_list())) > 0
    # at 0/1 weights, the sum of the genotype's parts
    penalty = model.architect.cost_penalty
    layout = model.search_layout()
    genotype = random_genotype(3, 1, layout.reductions, seed=0)
    table = LatencyTable.load(out)
    concrete = network_cost(genotype, 2, None, 'cifar', (8, ), 10, table)
    assert float(penalty.expected(one_hot(genotype, layout))) == \
        pytest.approx(concrete.latency, rel=1e-12)

    # another search space, another network: refused in one line
    for other, message in [
            (dict(search_space='S_o'), "measured for search space 'S', not "
             "'S_o'"),
            (dict(num_cells=4), 'no latency for')]:
        options = {**dict(num_cells=3, init_channels=2, steps=1), **other}
        with pytest.raises(ValueError) as info:
            DDartsSupernet(**options, cost=cost)
        assert message in str(info.value) and '\n' not in str(info.value)


def test_latency_table_tool_refuses_a_bad_layout_in_one_line(tmp_path,
                                                             capsys):
    out = tmp_path / 'latency.json'
    assert load_tool().main([str(out), '--layers', '0', '--repeats',
                             '1']) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith('tools/latency_table.py: ') and '\n' not in err
    assert not out.exists()


def test_random_genotypes_in_a_cost_band():
    """The banded sampler keeps only draws whose counted cost is in the
    band, and says so in one line when the band holds none."""
    from ddarts_mm.search_space.sampling import random_genotype_in_band

    def flops(genotype):
        return network_cost(genotype, 8, stem='cifar', num_classes=10).flops

    costs = sorted(flops(random_genotype(5, 2, [1, 3], seed))
                   for seed in range(20))
    low, high = costs[5], costs[10]  # the 25th to 50th percentile of chance
    drawn = [random_genotype_in_band(5, 2, [1, 3], seed, flops, low, high)
             for seed in range(4)]
    for draw in drawn:
        assert low <= draw.cost <= high
        assert draw.cost == flops(draw.genotype)
        assert draw.draws >= 1 and 'cost in' in draw.genotype.source
    assert len({str(d.genotype.to_dict()['genes']) for d in drawn}) == 4
    with pytest.raises(ValueError, match=r'no random genotype in it after 30'):
        random_genotype_in_band(5, 2, [1, 3], 0, flops, 1.0, 2.0,
                                max_draws=30)


def test_counting_under_the_meta_device_counts_on_the_cpu():
    """The pre-flight builds a supernet with ``model.cost`` on the meta
    device; its cost model still counts (it failed with a torch._check
    TypeError in tools/train.py before)."""
    from ddarts_mm.search_space.cost import count_part, op_part
    part = op_part('sep_conv_3x3', 8, (16, 16), 1)
    count_part.cache_clear()
    with torch.device('meta'):
        on_meta = count_part(part)
    count_part.cache_clear()
    assert on_meta == count_part(part) and on_meta.flops > 0
