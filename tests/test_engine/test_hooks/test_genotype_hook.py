"""GenotypeHook: genotype files every epoch and at the end, layout in meta."""
import json
import logging
import math
import os.path as osp
from unittest.mock import MagicMock

import pytest
import torch
from mmengine.logging import MessageHub

from ddarts_mm.engine.hooks import GenotypeHook, SearchStopHook
from ddarts_mm.engine.hooks.genotype_hook import LAYOUT_META_KEY
from ddarts_mm.search_space import Genotype
from ddarts_mm.search_space.parse import SearchLayout


def make_runner(model, work_dir, epoch=0, max_epochs=3):
    runner = MagicMock()
    runner.model = model
    runner.work_dir = str(work_dir)
    runner.epoch = epoch
    runner.iter = 4 * (epoch + 1)
    runner.max_epochs = max_epochs
    runner.train_loop.max_epochs = max_epochs
    runner.logger = logging.getLogger('genotype_hook_test')
    runner.message_hub = MessageHub.get_instance('genotype_hook_test')
    return runner


def test_writes_valid_genotypes_each_epoch_and_at_the_end(
        tmp_path, fake_supernet, caplog):
    model = fake_supernet(num_sets=3)
    hook = GenotypeHook(interval=2)
    for epoch in range(3):
        hook.after_train_epoch(make_runner(model, tmp_path, epoch))
    with caplog.at_level(logging.INFO, logger='genotype_hook_test'):
        hook.after_train(make_runner(model, tmp_path, 2))
    # epochs 2 (interval) and 3 (last), then final; all methods
    for tag in ('epoch_2', 'epoch_3', 'final'):
        for method in ('darts', 'sparse', 'edge'):
            genotype = Genotype.load(
                tmp_path / f'genotype_{tag}_{method}.json')
            assert genotype.sequence == [0, 1, 2]
            assert genotype.reductions == [1] and genotype.steps == 2
    assert not osp.exists(tmp_path / 'genotype_epoch_1_darts.json')
    # one line per cell in the log
    lines = [r.getMessage() for r in caplog.records]
    assert sum(line.strip().startswith('alpha_') for line in lines) == 3


def test_dominant_ops_are_logged(tmp_path, fake_supernet):
    model = fake_supernet(num_sets=2)
    with torch.no_grad():
        for alpha in model.arch_parameters().values():
            alpha.fill_(-5.0)  # sigmoid < 0.1
            alpha[0, :2] = 5.0  # 2 of 35 per set > 0.9
            alpha[1, 0] = 0.0  # 1 of 35 in between
    runner = make_runner(model, tmp_path)
    GenotypeHook(methods=['sparse']).after_train(runner)
    scalars = runner.message_hub.log_scalars
    assert scalars['train/genotype_dominant_high_pct'].current() == \
        pytest.approx(100 * 4 / 70)
    assert scalars['train/genotype_dominant_low_pct'].current() == \
        pytest.approx(100 * 64 / 70)
    assert scalars['train/genotype_dominant_both_pct'].current() == \
        pytest.approx(100 * 68 / 70)
    runner.visualizer.add_scalars.assert_called_once()


def test_thresholds_and_methods_are_configurable(tmp_path, fake_supernet):
    model = fake_supernet(num_sets=1)
    with torch.no_grad():
        alpha = model.arch_parameters()['alpha_0']
        alpha.fill_(-5.0)
        alpha[0, 3] = math.log(0.8 / 0.2)  # (2, 0) sep_conv_3x3 at 0.8
        alpha[4, 2] = 5.0  # (3, 2) skip_connect
    hook = GenotypeHook(methods=['sparse'], threshold=0.7)
    hook.after_train(make_runner(model, tmp_path))
    edges = Genotype.load(tmp_path / 'genotype_final_sparse.json').genes[0]
    assert [e.as_list() for e in edges.edges] == [
        ['sep_conv_3x3', 2, 0], ['skip_connect', 3, 2]]
    GenotypeHook(methods=['sparse'], threshold=0.9).after_train(
        make_runner(model, tmp_path))
    edges = Genotype.load(tmp_path / 'genotype_final_sparse.json').genes[0]
    # node 2 is empty at 0.9, so its edge into node 3 is dropped too;
    # the gene keeps the strongest edge from an input instead
    assert [e.as_list() for e in edges.edges] == [['sep_conv_3x3', 2, 0]]
    with pytest.raises(ValueError, match='methods'):
        GenotypeHook(methods=['top'])
    with pytest.raises(ValueError, match='threshold'):
        GenotypeHook(threshold=1.5)


def test_layout_is_stored_in_checkpoint_meta(tmp_path, fake_supernet):
    model = fake_supernet(num_sets=2)
    checkpoint = dict(meta=dict(epoch=1))
    GenotypeHook().before_save_checkpoint(make_runner(model, tmp_path),
                                          checkpoint)
    layout = SearchLayout.from_dict(checkpoint['meta'][LAYOUT_META_KEY])
    assert layout.alpha_names == ['alpha_0', 'alpha_1']
    assert layout.state_dict_keys == ['alphas.alpha_0', 'alphas.alpha_1']
    assert layout.rows == [(2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]


# ------------------------------------------------------ decision tracking
def _decide(model, flip: bool = False) -> None:
    """Every op weight decided (sigmoid(+-5)); ``flip`` swaps which op wins
    on every edge (so the parsed genotype changes)."""
    with torch.no_grad():
        for alpha in model.arch_parameters().values():
            alpha.fill_(-5.0)
            alpha[:, 1 if flip else 0] = 5.0


def _run_epochs(hook, model, tmp_path, epochs, flip_each_epoch=False,
                stop_hook=None):
    """``after_train_epoch`` of the genotype hook (then of ``stop_hook``)
    for ``epochs`` epochs; the loop's stop flag after each."""
    loop = MagicMock()
    loop.stop_training = False
    hub = MessageHub.get_instance(f'decision_{tmp_path.name}')
    stops = []
    for epoch in range(epochs):
        _decide(model, flip=flip_each_epoch and epoch % 2 == 1)
        runner = make_runner(model, tmp_path, epoch, max_epochs=epochs + 5)
        runner.message_hub = hub
        runner.train_loop = loop
        loop.searching = lambda epoch: True
        hook.after_train_epoch(runner)
        if stop_hook is not None:
            stop_hook.after_train_epoch(runner)
        stops.append(loop.stop_training)
    return stops


def test_stopping_rule_stops_on_a_stable_decided_genotype(
        tmp_path, fake_supernet, caplog):
    model = fake_supernet(num_sets=2)
    hook = GenotypeHook(methods=['darts'], figure_interval=0)
    stop = SearchStopHook(patience=2, min_decided=0.8)
    with caplog.at_level(logging.INFO, logger='genotype_hook_test'):
        stops = _run_epochs(hook, model, tmp_path, 3, stop_hook=stop)
        runner = make_runner(model, tmp_path, 2)
        runner.message_hub = MessageHub.get_instance(
            f'decision_{tmp_path.name}')
        hook.after_train(runner)
    # epoch 1 parses first, epochs 2 and 3 unchanged: stop after epoch 3
    assert stops == [False, False, True]
    assert [p['changes'] for p in hook.decision_curve[:3]] == [None, 0, 0]
    assert hook.decision_curve[0]['decided_pct'] == pytest.approx(100.0)
    saved = json.loads((tmp_path / 'search_decision.json').read_text())
    assert saved['stopped_after_epoch'] == 3
    assert saved['stop_criterion'] == 'genotype'
    assert 'has not changed for 2 search epochs' in saved['stop_reason']
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith('search stopped after epoch 3') for line in
               lines)
    assert sum(line.startswith('search decision, epoch') for line in
               lines) == 3


def test_genotype_hook_alone_never_stops(tmp_path, fake_supernet):
    """One job per hook: the genotype hook publishes, only the stop hook
    stops."""
    model = fake_supernet(num_sets=2)
    hook = GenotypeHook(methods=['darts'], figure_interval=0)
    assert _run_epochs(hook, model, tmp_path, 4) == [False] * 4
    assert hook.stable_epochs == 3


def test_stopping_rule_waits_while_the_genotype_changes(tmp_path,
                                                        fake_supernet):
    model = fake_supernet(num_sets=2)
    hook = GenotypeHook(methods=['darts'], figure_interval=0)
    stops = _run_epochs(hook, model, tmp_path, 5, flip_each_epoch=True,
                        stop_hook=SearchStopHook(patience=1,
                                                 min_decided=0.5))
    assert stops == [False] * 5
    # every op of every edge swapped: 5 edges x 2 sets change each epoch
    assert [p['changes'] for p in hook.decision_curve] == [None] + [8] * 4


def test_stopping_rule_waits_until_enough_weights_are_decided(
        tmp_path, fake_supernet):
    model = fake_supernet(num_sets=2)  # random alphas: few decided
    hook = GenotypeHook(methods=['darts'], figure_interval=0)
    stop = SearchStopHook(patience=1, min_decided=0.9)
    loop = MagicMock()
    loop.stop_training = False
    for epoch in range(4):
        runner = make_runner(model, tmp_path, epoch, max_epochs=9)
        runner.message_hub = MessageHub.get_instance(
            f'decided_{tmp_path.name}')
        runner.train_loop = loop
        hook.after_train_epoch(runner)
        stop.after_train_epoch(runner)
    assert hook.stable_epochs == 3 and loop.stop_training is False
    with pytest.raises(ValueError, match='min_decided'):
        SearchStopHook(min_decided=1.5)
    with pytest.raises(ValueError, match='patience'):
        SearchStopHook(patience=0)
    with pytest.raises(ValueError, match='criterion'):
        SearchStopHook(criterion='loss')


def test_decided_criterion_stops_when_the_share_stops_rising(
        tmp_path, fake_supernet):
    model = fake_supernet(num_sets=2)
    hook = GenotypeHook(methods=['darts'], figure_interval=0)
    stop = SearchStopHook(criterion='decided', patience=2, min_decided=0.8)
    # all decided from the first epoch on, flipping: the genotype changes
    # every epoch, the decided share does not: stops after epoch 3
    assert _run_epochs(hook, model, tmp_path, 4, flip_each_epoch=True,
                       stop_hook=stop) == [False, False, True, True]
    assert 'up 0.00 points in 2 search epochs' in stop.stopped['reason']


def test_decision_state_survives_a_checkpoint(tmp_path, fake_supernet):
    model = fake_supernet(num_sets=2)
    hook = GenotypeHook(methods=['darts'], figure_interval=0)
    stop = SearchStopHook(patience=1)
    _run_epochs(hook, model, tmp_path, 2, stop_hook=stop)
    checkpoint = dict(meta={})
    hook.before_save_checkpoint(make_runner(model, tmp_path), checkpoint)
    stop.before_save_checkpoint(make_runner(model, tmp_path), checkpoint)
    resumed = GenotypeHook(methods=['darts'], figure_interval=0)
    resumed.after_load_checkpoint(make_runner(model, tmp_path), checkpoint)
    assert resumed.stable_epochs == hook.stable_epochs == 1
    assert resumed.decision_curve == hook.decision_curve
    assert resumed.decision_state() == hook.decision_state()
    resumed_stop = SearchStopHook(patience=1)
    resumed_stop.after_load_checkpoint(make_runner(model, tmp_path),
                                       checkpoint)
    assert resumed_stop.stopped == stop.stopped and stop.stopped['epoch'] == 2
    assert resumed_stop.curve == stop.curve


def test_runner_stops_the_search_loop(tmp_path, fake_supernet,
                                      search_runner_cfg):
    from mmengine.runner import Runner
    model = fake_supernet(num_sets=2)
    model.grad_sets = []  # alphas never move: the genotype is stable
    cfg = search_runner_cfg(tmp_path, model, max_epochs=6)
    cfg['custom_hooks'] = [
        dict(type='GenotypeHook', methods=['darts'], figure_interval=0),
        dict(type='SearchStopHook', patience=1, min_decided=0.0)]
    runner = Runner(**cfg)
    runner.train()
    assert runner.train_loop.epoch == 2  # parsed after 1, unchanged after 2
    saved = json.loads((tmp_path / 'search_decision.json').read_text())
    assert saved['stopped_after_epoch'] == 2
    assert osp.isfile(tmp_path / 'genotype_final_darts.json')


# ------------------------------------------------------------------ budget
#: A small retrained network for the fake supernet's layout (3 cells).
BUDGET_NETWORK = dict(init_channels=4, stem='cifar', input_size=8,
                      num_classes=10)


def _unconstrained_flops(model, tmp_path) -> float:
    from ddarts_mm.models.backbones.network_cost import network_cost
    GenotypeHook(methods=['darts'], figure_interval=0).after_train(
        make_runner(model, tmp_path))
    genotype = Genotype.load(tmp_path / 'genotype_final_darts.json')
    assert genotype.cost is None  # no budget: the files are as before
    return network_cost(genotype, **BUDGET_NETWORK).flops


def test_budget_parses_files_within_it_and_logs_the_costs(
        tmp_path, fake_supernet, caplog):
    from ddarts_mm.models.backbones.network_cost import network_cost
    model = fake_supernet(num_sets=3)
    budget = 0.8 * _unconstrained_flops(model, tmp_path / 'free')
    hook = GenotypeHook(methods=['darts', 'sparse'], figure_interval=0,
                        budget=dict(metric='flops', budget=budget,
                                    **BUDGET_NETWORK))
    runner = make_runner(model, tmp_path, epoch=0, max_epochs=1)
    with caplog.at_level(logging.INFO, logger='genotype_hook_test'):
        hook.after_train_epoch(runner)
    for method in ('darts', 'sparse'):
        genotype = Genotype.load(tmp_path / f'genotype_epoch_1_{method}.json')
        counted = network_cost(genotype, **BUDGET_NETWORK).flops
        assert genotype.cost.metric == 'flops'
        assert genotype.cost.value == pytest.approx(counted)
        assert genotype.cost.budget == pytest.approx(budget)
        assert counted <= budget
    scalars = runner.message_hub.log_scalars
    parsed = hook.budget.parses['darts']
    assert parsed.dropped
    assert scalars['train/cost_parsed'].current() == pytest.approx(
        parsed.cost)
    assert scalars['train/cost_budget'].current() == pytest.approx(budget)
    assert scalars['train/cost_expected'].current() > 0
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith('cost (flops), epoch 1: expected ')
               and 'budget' in line for line in lines)
    hook.after_train(runner)
    final = Genotype.load(tmp_path / 'genotype_final_darts.json')
    assert final.cost == parsed.genotype.cost


def test_budget_follows_the_supernets_model_cost(tmp_path, fake_supernet):
    from ddarts_mm.models.search.cost_budget import build_cost_penalty
    model = fake_supernet(num_sets=3)
    budget = 0.8 * _unconstrained_flops(model, tmp_path / 'free')
    model.architect.cost_penalty = build_cost_penalty(
        dict(metric='flops', budget=budget, input_size=8),
        model.search_layout(), 4, 'cifar', 10)
    runner = make_runner(model, tmp_path)
    GenotypeHook(methods=['darts'], figure_interval=0).after_train(runner)
    genotype = Genotype.load(tmp_path / 'genotype_final_darts.json')
    assert genotype.cost.budget == pytest.approx(budget)
    assert genotype.cost.value <= budget
    # budget=False: parsed as before
    GenotypeHook(methods=['darts'], figure_interval=0, budget=False,
                 out_dir=str(tmp_path / 'free')).after_train(runner)
    assert Genotype.load(
        tmp_path / 'free' / 'genotype_final_darts.json').cost is None


@pytest.mark.parametrize('budget, message', [
    (dict(metric='flops', budget=-1), 'model.cost.budget'),
    (dict(metric='bits', budget=1), 'model.cost.metric'),
    (True, 'budget must be None, False or a dict'),
])
def test_a_bad_budget_is_one_line(budget, message):
    with pytest.raises(ValueError, match=message) as info:
        GenotypeHook(budget=budget)
    assert '\n' not in str(info.value)


def test_a_budget_needs_its_network(tmp_path, fake_supernet):
    hook = GenotypeHook(budget=dict(metric='params', budget=1e5))
    with pytest.raises(ValueError, match='GenotypeHook.budget.init_channels'):
        hook.after_train(make_runner(fake_supernet(num_sets=2), tmp_path))
