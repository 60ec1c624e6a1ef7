"""Schedules of the exact ablation gradient: per-pass BN of the batched
passes, loss scaling and autocast (AMP), the weight step without alphas."""
import contextlib

import pytest
import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapper, OptimWrapperDict

from ddarts_mm.models.search import ablation_schedules as schedules
from ddarts_mm.models.search.arch_amp import _LOSS_SCALE, ArchAutocast
from ddarts_mm.models.search.cell_passes import (PassBatchNorm2d,
                                                 per_pass_batch_norm)
from ddarts_mm.models.search.search_steps import weight_step
from test_ablation_gradient import (SCHEDULES, batch, brute_force,
                                     deactivation, fast, shared_genotype,
                                     small_supernet)


def exact_parts(model, inputs, labels, weights, schedule):
    leaves = [w.detach().requires_grad_() for w in
              (torch.sigmoid(a) for a in model.alpha_list())]
    with model.frozen_weights():
        return schedules.exact_gradients(model, inputs, labels, leaves,
                                         weights, schedule)


def relative_error(got, want) -> float:
    got = torch.cat([g.reshape(-1).double() for g in got])
    want = torch.cat([w.reshape(-1).double() for w in want])
    return float((got - want).norm() / want.norm())


def test_pass_batch_norm_normalises_each_pass_alone():
    torch.manual_seed(0)
    norm = PassBatchNorm2d(3, affine=False).train()
    norm.track_running_stats = False
    x = torch.randn(3 * 4, 3, 5, 5) * torch.arange(1., 13.).view(12, 1, 1, 1)
    want = torch.cat([F.batch_norm(chunk, None, None, training=True)
                      for chunk in x.split(4)])
    with per_pass_batch_norm(norm, 4):
        got = norm(x)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
    pooled = norm(x)  # outside the context: one pass of 12 samples
    assert not torch.allclose(pooled, want, atol=1e-2)
    assert norm.pass_size is None


def test_pass_batch_norm_refuses_to_update_running_stats():
    norm = PassBatchNorm2d(2).train()
    with per_pass_batch_norm(norm, 2), pytest.raises(RuntimeError):
        norm(torch.randn(4, 2, 3, 3))


def test_supernet_batch_norms_are_pass_aware():
    model = small_supernet()
    plain = [m for m in model.cells.modules()
             if type(m) is torch.nn.BatchNorm2d]
    assert not plain
    assert any(isinstance(m, PassBatchNorm2d) for m in model.cells.modules())


def test_batched_gradient_fails_with_pooled_bn_statistics(monkeypatch):
    """The brute-force comparison catches statistics of the concatenation."""
    model = small_supernet(shared_genotype(), schedule='batched')
    inputs, labels = batch()
    weights = deactivation(model)
    expected = brute_force(model, inputs, labels, weights)
    monkeypatch.setattr(schedules, 'per_pass_batch_norm',
                        lambda *args: contextlib.nullcontext())
    pooled = fast(model, inputs, labels, weights)
    assert relative_error(pooled.grads, expected) > 1e-3


@pytest.mark.parametrize('genotype', [None, shared_genotype()],
                         ids=['per-cell', 'shared-genes'])
def test_batched_losses_are_the_sequential_ones(genotype):
    model = small_supernet(genotype)
    inputs, labels = batch()
    weights = deactivation(model)
    leaves = [torch.sigmoid(a).detach() for a in model.alpha_list()]
    with torch.no_grad(), model.frozen_weights():
        full = schedules.full_pass(model, inputs, labels, leaves, False)
        with model.frozen_bn_stats():
            want = torch.stack([
                schedules.ablated_pass(model, full, i, weights, leaves,
                                       labels)
                for i in range(len(leaves))])
        got = schedules.batched_passes(model, full, weights, leaves, labels)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


def test_schedule_names():
    cpu, cuda = torch.device('cpu'), torch.device('cuda')
    assert schedules.resolve_schedule('auto', cpu) == 'segmented'
    assert schedules.resolve_schedule('auto', cuda) == 'batched'
    assert schedules.resolve_schedule('plain', cpu) == 'plain'
    with pytest.raises(ValueError, match='ablation.schedule'):
        schedules.resolve_schedule('fast', cpu)


@pytest.mark.parametrize('schedule', SCHEDULES)
def test_loss_scale_leaves_gradients_unscaled(schedule):
    """Each path from a loss to a weight crosses one scale, one unscale."""
    model = small_supernet(shared_genotype())
    inputs, labels = batch()
    weights = deactivation(model)
    want = exact_parts(model, inputs, labels, weights, schedule)
    token = _LOSS_SCALE.set(2.0**12)
    try:
        got = exact_parts(model, inputs, labels, weights, schedule)
    finally:
        _LOSS_SCALE.reset(token)
    torch.testing.assert_close(got[0], want[0])
    for part in (2, 3):
        assert sorted(got[part]) == sorted(want[part])
        for key in want[part]:
            torch.testing.assert_close(got[part][key], want[part][key],
                                       rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('schedule', ['plain', 'batched'])
def test_bf16_autocast_agrees_with_fp32(schedule):
    """AMP on the test device (bf16): dL/dw and dS/dw near float32's.

    bf16 keeps 8 bits of mantissa: on this tiny supernet (BN over 3
    samples) the gradients differ from float32's by about 12% (fp16 with
    its loss scale: about 4%), the losses by under 1%.
    """
    model = small_supernet(dtype=torch.float32)
    inputs, labels = batch(dtype=torch.float32)
    weights = deactivation(model)
    want = exact_parts(model, inputs, labels, weights, schedule)
    amp = ArchAutocast('bf16')
    got = amp.run(inputs.device, lambda: argparts(
        exact_parts(model, inputs, labels, weights, schedule)))
    for part in (2, 3):
        grads = [got.parts[part][k] for k in sorted(want[part])]
        assert all(g.dtype == torch.float32 for g in grads)
        error = relative_error(grads, [want[part][k]
                                       for k in sorted(want[part])])
        print(f'bf16 vs fp32 ({schedule}, part {part}): relative error '
              f'{error:.2e}')
        assert error < 0.25
    torch.testing.assert_close(got.parts[0], want[0], rtol=2e-2, atol=0)


class argparts:
    """Wraps exact parts as a result with ``grads`` for ArchAutocast."""

    def __init__(self, parts):
        self.parts = parts
        self.grads = list(parts[2].values()) + list(parts[3].values())


def test_fp16_scale_halves_and_recomputes_on_overflow():
    amp = ArchAutocast('fp16', init_scale=2.0**16)
    seen = []

    def step():
        seen.append(_LOSS_SCALE.get())
        bad = torch.tensor([float('inf')]) if len(seen) < 3 else torch.ones(1)
        return argparts((None, None, {0: bad}, {}))

    amp.run(torch.device('cpu'), step)
    assert seen == [2.0**16, 2.0**15, 2.0**14]
    assert amp.scale == 2.0**14
    assert ArchAutocast('auto').dtype(torch.device('cpu')) == torch.bfloat16
    assert ArchAutocast(False).dtype(torch.device('cpu')) is None
    with pytest.raises(ValueError):
        ArchAutocast('fp8')


def optim_wrappers(model):
    wrappers = {name: OptimWrapper(torch.optim.Adam([alpha], lr=1e-2))
                for name, alpha in model.arch_parameters().items()}
    wrappers['weights'] = OptimWrapper(
        torch.optim.SGD(model.weight_parameters(), lr=0.1))
    return OptimWrapperDict(**wrappers)


def test_arch_step_under_bf16_autocast_keeps_alphas_float32():
    model = small_supernet(dtype=torch.float32, schedule='batched')
    model.architect.arch_amp = 'bf16'
    inputs, labels = batch(dtype=torch.float32)
    before = [a.detach().clone() for a in model.alpha_list()]
    model.arch_step(dict(inputs=inputs, data_samples=labels),
                    optim_wrappers(model))
    for alpha, old in zip(model.alpha_list(), before):
        assert alpha.dtype == torch.float32 and alpha.grad is None
        assert not torch.equal(alpha, old)


def test_weight_step_computes_no_alpha_gradient():
    model = small_supernet(dtype=torch.float32)
    inputs, labels = batch(dtype=torch.float32)
    calls = []
    for alpha in model.alpha_list():
        alpha.register_hook(lambda grad: calls.append(grad))
    conv = next(p for p in model.weight_parameters() if p.dim() == 4)
    old = conv.detach().clone()
    weight_step(model, dict(inputs=inputs, data_samples=labels),
                optim_wrappers(model))
    assert not calls
    assert not torch.equal(conv, old)
    assert all(a.requires_grad and a.grad is None
               for a in model.alpha_list())
