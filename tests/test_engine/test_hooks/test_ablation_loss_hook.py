"""AblationLossHook: when the ablation runs, the w_ab ramp, the logging."""
from unittest.mock import MagicMock

import pytest
import torch
from mmengine.logging import MessageHub

from ddarts_mm.engine.hooks import AblationLossHook


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


def test_interval_sets_compute_ablation(fake_supernet):
    model = fake_supernet()
    hook = AblationLossHook(interval=3)
    flags = []
    for iteration in range(7):
        hook.before_train_iter(make_runner(model, iteration), iteration)
        flags.append(model.compute_ablation)
    assert flags == [True, False, False, True, False, False, True]
    AblationLossHook().before_train_iter(make_runner(model, 5), 5)
    assert model.compute_ablation  # default: every iteration


def test_weight_ramp_starts_with_the_search(fake_supernet):
    model = fake_supernet()
    hook = AblationLossHook(ramp_epochs=2)
    scales = []
    for iteration in (0, 10, 20, 30, 40, 50, 60):
        hook.before_train_iter(
            make_runner(model, iteration, warmup_epochs=1), 0)
        scales.append(model.ablation_weight_scale)
    assert scales == pytest.approx([0, 0, 0.5, 1, 1, 1, 1])
    AblationLossHook().before_train_iter(make_runner(model, 0), 0)
    assert model.ablation_weight_scale == 1.0


def test_logs_marginal_contributions_and_ablation_losses(fake_supernet):
    model = fake_supernet()
    runner = make_runner(model, iteration=4)
    hook = AblationLossHook()
    hook.before_train_iter(runner, 4)
    assert model.last_ablation is None
    hook.after_train_iter(runner, 4)  # no ablation computed: nothing logged
    runner.visualizer.add_scalars.assert_not_called()
    model.last_ablation = Result()
    hook.after_train_iter(runner, 4)
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
    with pytest.raises(ValueError, match='interval'):
        AblationLossHook(interval=0)
    with pytest.raises(ValueError, match='ramp_epochs'):
        AblationLossHook(ramp_epochs=-1)


def test_logs_the_scale_of_each_alpha_step(fake_supernet):
    import torch
    model = fake_supernet()
    runner = make_runner(model, iteration=2)
    hook = AblationLossHook()
    hook.before_train_iter(runner, 2)
    model.last_arch_grad_norms = torch.tensor([0.5, 2.0, 0.25])
    hook.after_train_iter(runner, 2)
    logged, = runner.visualizer.add_scalars.call_args.args
    assert [logged[f'ablation/grad_norm_{i}'] for i in range(3)] == [
        0.5, 2.0, 0.25]
    assert runner.message_hub.log_scalars[
        'train/ablation_max_grad_norm'].current() == 2.0
    assert model.last_arch_grad_norms is None  # logged once
