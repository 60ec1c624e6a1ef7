"""The ablation hooks: AblationScheduleHook (when the ablation runs, the
w_ab ramp), AblationLogHook (the logging) and AblationLossHook (both)."""
from unittest.mock import MagicMock

import pytest
import torch
from mmengine.logging import MessageHub

from ddarts_mm.engine.hooks import (AblationLogHook, AblationLossHook,
                                    AblationScheduleHook)
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


@pytest.mark.parametrize('cls', [AblationScheduleHook, AblationLossHook])
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


@pytest.mark.parametrize('cls', [AblationScheduleHook, AblationLossHook])
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


@pytest.mark.parametrize('cls', [AblationLogHook, AblationLossHook])
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
    for cls in (AblationScheduleHook, AblationLossHook):
        with pytest.raises(ValueError, match='interval'):
            cls(interval=0)
        with pytest.raises(ValueError, match='ramp_epochs'):
            cls(ramp_epochs=-1)
    for cls in (AblationLogHook, AblationLossHook):
        with pytest.raises(ValueError, match='figure_interval'):
            cls(figure_interval=-1)
        with pytest.raises(ValueError, match='max_history'):
            cls(max_history=1)


@pytest.mark.parametrize('cls', [AblationLogHook, AblationLossHook])
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


def test_the_loss_hook_is_both_hooks_with_their_arguments():
    """What existing configs list: one hook, both jobs, same arguments."""
    hook = HOOKS.build(dict(type='AblationLossHook', interval=2,
                            ramp_epochs=1.5, log_to_visualizer=False,
                            figure_interval=3, max_history=8))
    assert isinstance(hook, AblationScheduleHook)
    assert isinstance(hook, AblationLogHook)
    assert (hook.interval, hook.ramp_epochs, hook.log_to_visualizer,
            hook.figure_interval, hook.max_history) == (2, 1.5, False, 3, 8)
    assert set(hook.get_triggered_stages()) == {
        'before_train_iter', 'after_train_iter', 'after_train_epoch'}
    assert set(AblationLogHook().get_triggered_stages()) == {
        'before_train_iter', 'after_train_iter', 'after_train_epoch'}
    for name in ('AblationScheduleHook', 'AblationLogHook'):
        assert HOOKS.get(name) is not None
