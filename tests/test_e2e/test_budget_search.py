"""A search under a FLOPs budget through ``tools/train.py`` (issue 27).

A tiny search (3 cells, C=4) with ``model.cost`` runs end to end; every
final genotype is within the budget, records its cost and the budget, and
that cost is what the built network counts; the expected cost, the parsed
cost and the budget are logged.
"""
import json

import pytest
from helpers import train_tiny_search, write_tiny_cifar

pytestmark = pytest.mark.slow

#: The retrained network the budget is for: the supernet's layout.
NETWORK = dict(init_channels=4, stem='cifar', num_classes=10)
REDUCTIONS = [1, 2]  # of a 3-cell supernet


def test_search_under_a_flops_budget(tmp_path):
    from ddarts_mm.models.backbones.network_cost import network_cost
    from ddarts_mm.search_space.genotype import Genotype
    from ddarts_mm.search_space.sampling import random_genotype
    chance = sorted(network_cost(random_genotype(3, 2, REDUCTIONS, seed),
                                 **NETWORK).flops for seed in range(20))
    budget = chance[4]  # cheaper than 3 in 4 random genotypes
    root = write_tiny_cifar(tmp_path / 'cifar')
    work_dir = tmp_path / 'work'
    hooks = [dict(type='GenotypeHook', methods=['darts', 'sparse', 'edge'],
                  figure_interval=0)]
    run = train_tiny_search(
        tmp_path / 'search.py', root, work_dir, hooks, epochs=3,
        warmup_epochs=1,
        model=dict(cost=dict(metric='flops', budget=budget, weight=1.0)))
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    for method in ('darts', 'sparse', 'edge'):
        genotype = Genotype.load(work_dir / f'genotype_final_{method}.json')
        assert genotype.reductions == REDUCTIONS
        counted = network_cost(genotype, **NETWORK).flops
        assert genotype.cost.metric == 'flops'
        assert genotype.cost.budget == pytest.approx(budget)
        assert genotype.cost.value == pytest.approx(counted)
        assert counted <= budget, method
    assert 'cost (flops), epoch 3: expected ' in output
    logged = [json.loads(line) for line in
              next(work_dir.glob('*/vis_data/scalars.json')).read_text()
              .splitlines()]
    costs = [entry for entry in logged if 'cost_expected' in entry]
    assert costs, 'no expected cost in the scalars'
    assert all(entry['cost_budget'] == pytest.approx(budget)
               for entry in costs)
