"""The ablation hooks: AblationScheduleHook (when the ablation runs, the
w_ab ramp) and AblationLogHook (the logging), one job each; the config alias
AblationLossHook that stands for both."""
from unittest.mock import MagicMock

import pytest
import torch
from mmengine.logging import MessageHub

from ddarts_mm.apis.run_config import expand_hook_aliases
from ddarts_mm.engine.hooks import AblationLogHook, AblationScheduleHook
from ddarts_mm.registry import HOOKS


class Result:
    """The fields of ``AblationResult`` the hook reads."""
    full_loss = torch.tensor(2.0)
    mean = torch.tensor(-0.5)
    marginal = torch.tensor([-1.0, 0.0, -0.5])
    ablation_losses = torch.tensor([-1.0, 1.0, 0.0])


def make_runner(model, iteration=0, iters_per_epoch=10, warmup_epochs=0):
    runner = MagicMock()
    runner.model = model
    runner.iter = iteration
    runner.train_dataloader.__len__.return_value = iters_per_epoch
    runner.train_loop.warmup_epochs = warmup_epochs
    runner.message_hub = MessageHub.get_instance('ablation_hook_test')
    return runner


@pytest.mark.parametrize('cls', [AblationScheduleHook])
def test_interval_sets_compute_ablation(fake_supernet, cls):
    model = fake_supernet()
    hook = cls(interval=3)
    flags = []
    for iteration in range(7):
        hook.before_train_iter(make_runner(model, iteration), iteration)
        flags.append(model.architect.compute_ablation)
    assert flags == [True, False, False, True, False, False, True]
    cls().before_train_iter(make_runner(model, 5), 5)
    assert model.architect.compute_ablation  # default: every iteration


@pytest.mark.parametrize('cls', [AblationScheduleHook])
def test_weight_ramp_starts_with_the_search(fake_supernet, cls):
    model = fake_supernet()
    hook = cls(ramp_epochs=2)
    scales = []
    for iteration in (0, 10, 20, 30, 40, 50, 60):
        hook.before_train_iter(
            make_runner(model, iteration, warmup_epochs=1), 0)
        scales.append(model.architect.ablation_weight_scale)
    assert scales == pytest.approx([0, 0, 0.5, 1, 1, 1, 1])
    cls().before_train_iter(make_runner(model, 0), 0)
    assert model.architect.ablation_weight_scale == 1.0


def test_the_schedule_writes_only_its_switches(fake_supernet):
    model = fake_supernet()
    model.architect.last_ablation = result = Result()
    runner = make_runner(model, iteration=1)
    AblationScheduleHook(interval=2).before_train_iter(runner, 1)
    architect = model.architect
    assert not architect.compute_ablation and architect.last_ablation is result
    runner.visualizer.add_scalars.assert_not_called()
    assert AblationScheduleHook().get_triggered_stages() == [
        'before_train_iter']


@pytest.mark.parametrize('cls', [AblationLogHook])
def test_logs_marginal_contributions_and_ablation_losses(fake_supernet, cls):
    model = fake_supernet()
    runner = make_runner(model, iteration=4)
    hook = cls()
    model.architect.last_ablation = Result()  # the previous iteration's
    hook.before_train_iter(runner, 4)
    assert model.architect.last_ablation is None
    hook.after_train_iter(runner, 4)  # no ablation computed: nothing logged
    runner.visualizer.add_scalars.assert_not_called()
    model.architect.last_ablation = Result()
    hook.after_train_iter(runner, 4)
    assert model.architect.last_ablation is not None  # it keeps the last
    scalars = runner.message_hub.log_scalars
    # the console (message hub) gets the summary only, not one key per cell
    assert not any(key.startswith(('train/ablation_M_', 'train/ablation_L_AB'))
                   for key in scalars)
    assert scalars['train/ablation_m'].current() == -0.5
    assert scalars['train/ablation_full_loss'].current() == 2.0
    logged, = runner.visualizer.add_scalars.call_args.args
    assert logged['ablation/M_0'] == -1.0 and logged['ablation/M_2'] == -0.5
    assert logged['ablation/M_1'] == 0.0 and logged['ablation/L_AB_0'] == -1
    assert logged['ablation/L_AB_1'] == 1.0
    assert runner.visualizer.add_scalars.call_args.kwargs['step'] == 5


def test_bad_arguments():
    for cls in (AblationScheduleHook,):
        with pytest.raises(ValueError, match='interval'):
            cls(interval=0)
        with pytest.raises(ValueError, match='ramp_epochs'):
            cls(ramp_epochs=-1)
    for cls in (AblationLogHook,):
        with pytest.raises(ValueError, match='figure_interval'):
            cls(figure_interval=-1)
        with pytest.raises(ValueError, match='max_history'):
            cls(max_history=1)


@pytest.mark.parametrize('cls', [AblationLogHook])
def test_logs_the_scale_of_each_alpha_step(fake_supernet, cls):
    model = fake_supernet()
    runner = make_runner(model, iteration=2)
    hook = cls()
    model.architect.last_arch_grad_norms = torch.tensor([0.5, 2.0, 0.25])
    hook.after_train_iter(runner, 2)
    logged, = runner.visualizer.add_scalars.call_args.args
    assert [logged[f'ablation/grad_norm_{i}'] for i in range(3)] == [
        0.5, 2.0, 0.25]
    assert runner.message_hub.log_scalars[
        'train/ablation_max_grad_norm'].current() == 2.0
    assert model.architect.last_arch_grad_norms is None  # logged once


def test_the_old_hook_names_expand_to_one_job_per_hook():
    """What configs listed before issue 25 still runs: the alias becomes
    both hooks, each with its own arguments; the genotype hook's stopping
    arguments become a SearchStopHook."""
    old = [dict(type='ddarts_mm.AblationLossHook', interval=2,
                ramp_epochs=1.5, log_to_visualizer=False,
                figure_interval=3, max_history=8),
           dict(type='GenotypeHook', methods=['darts'], stop_patience=2,
                stop_decided=0.7),
           dict(type='GenotypeHook', stop_patience=0)]
    new = expand_hook_aliases(old)
    assert new == [
        dict(type='ddarts_mm.AblationScheduleHook', interval=2,
             ramp_epochs=1.5),
        dict(type='ddarts_mm.AblationLogHook', log_to_visualizer=False,
             figure_interval=3, max_history=8),
        dict(type='GenotypeHook', methods=['darts']),
        dict(type='SearchStopHook', patience=2, min_decided=0.7),
        dict(type='GenotypeHook')]
    hooks = [HOOKS.build(cfg) for cfg in new]
    assert (hooks[0].interval, hooks[0].ramp_epochs) == (2, 1.5)
    assert (hooks[1].log_to_visualizer, hooks[1].figure_interval,
            hooks[1].max_history) == (False, 3, 8)
    assert HOOKS.get('AblationLossHook') is None  # no class joins two jobs
    assert set(AblationScheduleHook().get_triggered_stages()) == {
        'before_train_iter'}
    assert set(AblationLogHook().get_triggered_stages()) == {
        'before_train_iter', 'after_train_iter', 'after_train_epoch'}
