"""The exact per-cell gradient of Eq. 8 against brute force and finite
differences (tiny supernets), on every schedule of the ablated passes.

``DDARTS_TEST_DEVICE`` (default ``cpu``) is the device of the tiny
supernets that these tests and test_ablation_schedules.py /
test_ablation_sampling.py build by default (benchmarks/gpu_check.py runs
them with ``cuda``); the tests parametrised by device run on it too.
``DDARTS_TEST_TF32=0`` turns TF32 off on CUDA (its float32 convolutions and
matmuls round to 10 bits of mantissa by default; gpu_check.py reruns a
failing test so, to tell that rounding from a wrong gradient)."""
import os
from dataclasses import replace

import pytest
import torch
import torch.nn.functional as F

from ddarts_mm.models.search import (AblationOptions, DDartsSupernet,
                                     ablation_loss, ablation_scale,
                                     arch_gradients, fair_darts_loss,
                                     marginal_contributions, total_loss)
from ddarts_mm.search_space.genotype import Edge, Gene, Genotype

W_AB, W01, EPS = 0.5, 7.0, 1e-8
#: The paper's denominator of Eq. 7, ``|m|``.
PAPER = AblationOptions(normalizer='mean', eps=EPS)
#: Where the tiny supernets run unless a test names a device.
TEST_DEVICE = os.environ.get('DDARTS_TEST_DEVICE', 'cpu')
DEVICES = list(dict.fromkeys(
    ['cpu'] + (['cuda'] if torch.cuda.is_available() else []) +
    [TEST_DEVICE]))
if os.environ.get('DDARTS_TEST_TF32') == '0':
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
SCHEDULES = ['plain', 'batched', 'segmented']
#: (rtol, atol relative to the largest gradient) of exact vs brute force
TOLERANCES = {torch.float64: (1e-8, 1e-10), torch.float32: (1e-4, 2e-5)}


def small_supernet(genotype=None, seed=0, device=TEST_DEVICE,
                   dtype=torch.float64, schedule='plain',
                   **kwargs) -> DDartsSupernet:
    torch.manual_seed(seed)
    cfg = dict(num_cells=4, init_channels=4, steps=2, num_classes=5,
               ablation=dict(schedule=schedule))
    if genotype is not None:
        cfg.update(genotype=genotype, search_space='S_o')
    cfg.update(kwargs)
    model = DDartsSupernet(**cfg).to(device=device, dtype=dtype).train()
    with torch.no_grad():  # away from the symmetric start
        for alpha in model.alpha_list():
            alpha.add_(0.5 * torch.randn_like(alpha))
    return model


def shared_genotype() -> Genotype:
    """Two S_o genes over four layers; gene 1 on consecutive layers."""
    genes = [
        Gene([Edge('simple_conv_3x3', 2, 0), Edge('skip_connect', 3, 2)]),
        Gene([Edge('sep_conv_3x3', 2, 1), Edge('conv_3x1_1x3', 3, 0)]),
    ]
    return Genotype(genes, sequence=[0, 1, 1, 0], reductions=[1, 2],
                    steps=2, search_space='S_o')


def batch(seed=1, device=TEST_DEVICE, dtype=torch.float64):
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(3, 3, 16, 16, generator=generator,
                         dtype=torch.float64)
    labels = torch.randint(0, 5, (3, ), generator=generator)
    return inputs.to(device=device, dtype=dtype), labels.to(device)


def deactivation(model, seed=2):
    generator = torch.Generator().manual_seed(seed)
    alpha = model.alpha_list()[0]
    shape = (model.num_layers, ) + tuple(alpha.shape)
    return torch.rand(shape, generator=generator,
                      dtype=torch.float64).to(alpha)


def objectives(model, inputs, labels, weights):
    """Every ``L_T^i`` with full autograd graphs (no reuse)."""
    alphas = model.alpha_list()
    full = F.cross_entropy(model.forward_logits(inputs), labels)
    ablated = torch.stack([
        F.cross_entropy(model.forward_logits(inputs, i, weights), labels)
        for i in range(len(alphas))
    ])
    l_ab = ablation_loss(marginal_contributions(full, ablated),
                         ablation_scale(full, ablated, PAPER))
    return [total_loss(fair_darts_loss(full, alpha, W01), l_ab[i], W_AB)
            for i, alpha in enumerate(alphas)]


def brute_force(model, inputs, labels, weights):
    alphas = model.alpha_list()
    losses = objectives(model, inputs, labels, weights)
    return [torch.autograd.grad(loss, alpha, retain_graph=True)[0]
            for loss, alpha in zip(losses, alphas)]


def options(model, mode='exact', weight=W_AB, eps=EPS):
    """The model's options (its schedule) with :data:`PAPER`'s
    normaliser, the one :func:`objectives` differentiates."""
    return replace(model.architect.ablation_options, mode=mode,
                   weight=weight, normalizer=PAPER.normalizer, eps=eps)


def fast(model, inputs, labels, weights, mode='exact'):
    """The step's gradients, with the architect's ``|m|`` and sampler."""
    architect = model.architect
    with model.frozen_weights():
        return arch_gradients(model, inputs, labels, options(model, mode),
                              weights, None, architect.ablation_abs_mean,
                              architect.pass_sampler)


def assert_gradients_close(got_grads, want_grads, dtype) -> None:
    rtol, atol = TOLERANCES[dtype]
    scale = max(float(g.abs().max()) for g in want_grads)
    for got, want in zip(got_grads, want_grads):
        assert got.shape == want.shape
        torch.testing.assert_close(got, want, rtol=rtol, atol=atol * scale)


@pytest.mark.parametrize('dtype', [torch.float64, torch.float32],
                         ids=['float64', 'float32'])
@pytest.mark.parametrize('schedule', SCHEDULES)
@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('genotype', [None, shared_genotype()],
                         ids=['per-cell', 'shared-genes'])
def test_exact_gradient_equals_brute_force(genotype, device, schedule,
                                           dtype):
    model = small_supernet(genotype, device=device, dtype=dtype,
                           schedule=schedule)
    inputs, labels = batch(device=device, dtype=dtype)
    weights = deactivation(model)
    expected = brute_force(model, inputs, labels, weights)
    result = fast(model, inputs, labels, weights)
    assert len(result.grads) == len(expected) == len(model.alpha_names())
    assert_gradients_close(result.grads, expected, dtype)
    if dtype == torch.float32:
        return
    # the ablation term really moves the gradient away from FairDARTS'
    fair = fast(model, inputs, labels, weights, mode='none')
    assert max((g - f).abs().max() for g, f in zip(result.grads, fair.grads)
               ) > 1e-4
    # and the logged objectives are the brute-force ones
    with torch.no_grad():
        want_total = torch.stack(objectives(model, inputs, labels, weights))
    torch.testing.assert_close(result.total, want_total, rtol=1e-10,
                               atol=1e-12)


@pytest.mark.parametrize('genotype', [None, shared_genotype()],
                         ids=['per-cell', 'shared-genes'])
def test_exact_gradient_matches_finite_differences(genotype):
    """Brute force itself against finite differences (one schedule: the
    others equal brute force above)."""
    model = small_supernet(genotype, seed=3)
    inputs, labels = batch(seed=4)
    weights = deactivation(model, seed=5)
    grads = fast(model, inputs, labels, weights).grads
    generator = torch.Generator().manual_seed(6)
    step = 1e-5
    for i, alpha in enumerate(model.alpha_list()):
        picks = torch.randperm(alpha.numel(), generator=generator)[:4]
        for flat in picks.tolist():
            index = divmod(flat, alpha.shape[1])
            values = []
            for sign in (1, -1):
                with torch.no_grad():
                    alpha[index] += sign * step
                    values.append(objectives(model, inputs, labels,
                                             weights)[i])
                    alpha[index] -= sign * step
            numeric = float((values[0] - values[1]) / (2 * step))
            assert float(grads[i][index]) == pytest.approx(
                numeric, rel=1e-4, abs=1e-6), (i, index)


def test_gradient_without_ablation_when_mean_contribution_vanishes():
    """|m| < eps: L_AB = 0 and the exact step is the FairDARTS step."""
    model = small_supernet()
    inputs, labels = batch()
    weights = deactivation(model)
    with model.frozen_weights():
        exact = arch_gradients(model, inputs, labels,
                               options(model, eps=1e3), weights)
        fair = arch_gradients(model, inputs, labels,
                              options(model, 'none'), weights)
    assert torch.all(exact.ablation.ablation_losses == 0)
    for got, want in zip(exact.grads, fair.grads):
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize('device', DEVICES)
def test_reference_mode_gradient_is_fairdarts_but_logged_loss_differs(device):
    model = small_supernet(device=device)
    inputs, labels = batch(device=device)
    weights = deactivation(model)
    fair = fast(model, inputs, labels, weights, mode='none')
    reference = fast(model, inputs, labels, weights, mode='reference')
    for got, want in zip(reference.grads, fair.grads):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-14)
    assert fair.ablation is None
    ablation = reference.ablation
    assert ablation.mode == 'reference'
    mean = ablation.marginal.mean()
    torch.testing.assert_close(ablation.ablation_losses,
                               -(ablation.marginal - mean) / mean)
    torch.testing.assert_close(reference.total,
                               fair.total + W_AB * ablation.ablation_losses)
    assert not torch.allclose(reference.total, fair.total)
    # its ablated losses are the brute-force ones
    want = torch.stack([
        F.cross_entropy(model.forward_logits(inputs, i, weights), labels)
        for i in range(len(model.alpha_list()))
    ]).detach()
    torch.testing.assert_close(ablation.ablated_losses, want, rtol=1e-10,
                               atol=1e-12)


def test_zero_ablation_weight_is_fairdarts_but_still_logs_ablation():
    """w_ab = 0 (start of a warm-up): FairDARTS gradient, L_AB logged."""
    model = small_supernet()
    inputs, labels = batch()
    weights = deactivation(model)
    with model.frozen_weights():
        exact = arch_gradients(model, inputs, labels,
                               options(model, weight=0.0), weights)
        fair = arch_gradients(model, inputs, labels,
                              options(model, 'none', 0.0), weights)
    for got, want in zip(exact.grads, fair.grads):
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-14)
    assert exact.ablation.mode == 'exact'
    result = exact.ablation
    torch.testing.assert_close(result.ablation_losses, ablation_loss(
        result.marginal, ablation_scale(result.full_loss,
                                        result.ablated_losses, PAPER)))
    torch.testing.assert_close(exact.total, fair.total)
