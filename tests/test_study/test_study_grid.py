"""ddarts_mm.study.grid: the runs of a study and each method's overrides."""
import pytest

from ddarts_mm.search_space.sampling import random_genotype
from ddarts_mm.study.grid import (StudyError, StudyRun, method_overrides,
                                  study_grid)


def test_grid_main_and_sweeps_without_repeats():
    runs = study_grid(['random', 'ddarts-exact'], [0, 1], w_ab_values=[0.5,
                                                                     2.0],
                      w01_values=[0.0, 7.0], sweep_seeds=[0],
                      random_seeds=[0, 1, 2])
    ids = [run.run_id for run in runs]
    assert len(ids) == len(set(ids))
    # Fig. 2 runs at w01 = 0 (the paper), search only; w01 = 7 at the
    # paper's w_ab is the main grid's run (retrained), not a second one;
    # w_ab 0.5 at w01 0 is both a Fig. 2 and a Fig. 3 point
    # seed-major: a study stopped half way has every method's first seeds
    assert [(r.run_id, r.retrain) for r in runs] == [
        ('random_wab0.5_w017_seed0', True),
        ('ddarts-exact_wab0.5_w017_seed0', True),
        ('random_wab0.5_w017_seed1', True),
        ('ddarts-exact_wab0.5_w017_seed1', True),
        ('random_wab0.5_w017_seed2', True),
        ('ddarts-exact_wab0.5_w010_seed0', False),
        ('ddarts-exact_wab2_w010_seed0', False)]
    with pytest.raises(StudyError, match='unknown method'):
        study_grid(['ddarts-exact-nonsense'], [0])
    with pytest.raises(StudyError, match='unknown method'):
        study_grid(['fairdarts-per-cell'], [0])


def test_method_overrides_name_the_baselines():
    darts = method_overrides(StudyRun('darts', 0))
    assert darts['mixing'] == 'softmax' and darts['search_space'] == 'DARTS'
    assert darts['share_alphas'] == 'cell_type'
    # FairDARTS as published: shared alphas, its own w01 over all of them
    fair = method_overrides(StudyRun('fairdarts', 0, w01=3.0))
    assert fair['share_alphas'] == 'cell_type'
    assert fair['zero_one_weight'] == 10.0 and fair['zero_one_scope'] == 'all'
    assert fair['ablation'] == dict(mode='none')
    assert fair['mixing'] == 'sigmoid'
    # the paper's L_F rows: per-cell alphas, no ablation loss
    lf = method_overrides(StudyRun('ddarts-lf', 0))
    assert lf['share_alphas'] is None and lf['ablation'] == dict(mode='none')
    assert lf['zero_one_weight'] == 7.0 and lf['zero_one_scope'] == 'set'
    mean = method_overrides(StudyRun('ddarts-exact-mean', 0, w_ab=2.0))
    assert mean['ablation'] == dict(mode='exact', weight=2.0,
                                    normalizer='mean')
    assert mean['share_alphas'] is None
    sampled = method_overrides(StudyRun('ddarts-exact-sampled2', 0))
    assert sampled['ablation'] == dict(mode='exact', weight=0.5, sample=2)


def test_fairdarts_supernet_shares_alphas_and_its_zero_one_loss():
    """Two alpha sets, and the zero-one gradient of FairDARTS' code: 10 x
    d/dalpha of -mean over BOTH sets, i.e. each set's own mean at half
    the weight."""
    import torch

    from ddarts_mm.models.search import DDartsSupernet
    from ddarts_mm.models.search import AblationOptions, arch_gradients
    torch.manual_seed(0)
    overrides = method_overrides(StudyRun('fairdarts', 0))
    model = DDartsSupernet(num_cells=5, init_channels=4, steps=2,
                           **overrides).eval()
    assert model.alpha_names() == ['alpha_normal', 'alpha_reduce']
    assert model.zero_one_shares() == [0.5, 0.5]
    with torch.no_grad():
        for alpha in model.alpha_list():
            alpha.normal_()
    inputs, labels = torch.randn(2, 3, 16, 16), torch.tensor([1, 2])
    got = arch_gradients(model, inputs, labels,
                         AblationOptions(mode='none', weight=0.0))
    alphas = model.alpha_list()
    both = torch.cat([torch.sigmoid(a).flatten() for a in alphas])
    loss01 = -torch.mean((both - 0.5)**2)
    ce = torch.nn.functional.cross_entropy(model(inputs), labels)
    expected = torch.autograd.grad(ce + 10.0 * loss01, alphas)
    for grad, want in zip(got.grads, expected):
        torch.testing.assert_close(grad, want, rtol=1e-5, atol=1e-7)


def test_random_genotypes_are_valid_and_seeded():
    from ddarts_mm.search_space.genotype import validate_genotype
    first = random_genotype(5, 4, [1, 3], seed=0)
    validate_genotype(first, 'random')
    assert first.to_dict() == random_genotype(5, 4, [1, 3], seed=0).to_dict()
    assert first.to_dict() != random_genotype(5, 4, [1, 3], seed=1).to_dict()
    for gene in first.genes:
        for node in range(2, 6):
            sources = [e.from_node for e in gene.edges if e.to_node == node]
            assert len(set(sources)) == 2 and max(sources) < node


def test_budget_runs_follow_the_main_grid_seed_major():
    from ddarts_mm.study.grid import check_budgets
    runs = study_grid(['random', 'darts'], [0], random_seeds=[0, 1],
                      budgets=[1.2e6, 2e5],
                      budget_methods=['random', 'ddarts-exact'])
    assert [r.run_id for r in runs] == [
        'random_wab0.5_w017_seed0', 'darts_wab0.5_w017_seed0',
        'random_wab0.5_w017_seed1',
        'random_wab0.5_w017_budget1.2e+06_seed0',
        'ddarts-exact_wab0.5_w017_budget1.2e+06_seed0',
        'random_wab0.5_w017_budget200000_seed0',
        'ddarts-exact_wab0.5_w017_budget200000_seed0',
        'random_wab0.5_w017_budget1.2e+06_seed1',
        'random_wab0.5_w017_budget200000_seed1']
    # a record names its run; records made before budgets have none
    budgeted = runs[4]
    record = dict(method='ddarts-exact', seed=0, w_ab=0.5, w01=7.0,
                  retrain=True, budget=1.2e6)
    assert StudyRun.from_record(record) == budgeted
    del record['budget']
    assert StudyRun.from_record(record).budget is None
    with pytest.raises(StudyError, match='unknown method'):
        study_grid(['random'], [0], budgets=[1.0], budget_methods=['nope'])
    check_budgets([1.0, 2e6], 'params', 0.2)
    for budgets, metric, band, message in [
            ([1.0, -2.0], 'flops', 0.2, '--budget: every budget must be > 0'),
            ([0.0], 'flops', 0.2, '--budget: every budget'),
            ([1.0], 'macs', 0.2, "--budget-metric: unknown metric 'macs'"),
            ([1.0], 'latency', 0.2, '--budget-metric: unsupported metric'),
            ([1.0], 'flops', 1.0, '--budget-band: .* in \\(0, 1\\), got 1'),
            ([1.0], 'flops', 0.0, '--budget-band')]:
        with pytest.raises(StudyError, match=message):
            check_budgets(budgets, metric, band)
