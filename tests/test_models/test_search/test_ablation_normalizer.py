"""The denominator of Eq. 7: exact gradients under every normaliser, and
what happens when ``m = mean_i M_i`` goes through 0 (issue 8, section 1)."""
import pytest
import torch
import torch.nn.functional as F

from ddarts_mm.models.search import (AblationOptions, DDartsSupernet,
                                     arch_gradients)
from ddarts_mm.models.search.losses import (ablation_loss,
                                            ablation_gradient_coefficients,
                                            ablation_scale, fair_darts_loss,
                                            marginal_contributions,
                                            total_loss)

W_AB, W01, TAU = 0.5, 7.0, 0.1


def tiny_supernet(seed: int = 0) -> DDartsSupernet:
    torch.manual_seed(seed)
    model = DDartsSupernet(num_cells=3, init_channels=4, steps=2,
                           num_classes=4).double().train()
    with torch.no_grad():
        for alpha in model.alpha_list():
            alpha.add_(0.5 * torch.randn_like(alpha))
    return model


def tiny_batch(seed: int = 1):
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(4, 3, 8, 8, generator=generator, dtype=torch.float64)
    return inputs, torch.randint(0, 4, (4, ), generator=generator)


def draws(model, seed: int = 2) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    shape = (model.num_layers, ) + tuple(model.alpha_list()[0].shape)
    return torch.rand(shape, generator=generator, dtype=torch.float64)


def exact(model, inputs, labels, deactivation, normalizer, running=None):
    """The exact step; ``running``: the architect's running ``|m|``."""
    running_abs_mean = model.architect.ablation_abs_mean
    if running is not None:
        running_abs_mean.copy_(running)
    options = AblationOptions(weight=W_AB, normalizer=normalizer, tau=TAU,
                              eps=1e-12)
    with model.frozen_weights():
        return arch_gradients(model, inputs, labels, options, deactivation,
                              running_abs_mean=running_abs_mean)


@pytest.mark.parametrize('normalizer,running', [
    ('mean', None), ('clamped', None),
    ('running', 5.0),     # the running mean is the denominator
    ('running', 1e-6),    # the floor tau * L is
])
def test_exact_gradient_matches_brute_force(normalizer, running):
    model = tiny_supernet()
    inputs, labels = tiny_batch()
    deactivation = draws(model)
    state = None if running is None else torch.tensor(running,
                                                      dtype=torch.float64)
    result = exact(model, inputs, labels, deactivation, normalizer,
                   None if state is None else state.clone())

    alphas = model.alpha_list()
    full = F.cross_entropy(model.forward_logits(inputs), labels)
    ablated = torch.stack([
        F.cross_entropy(model.forward_logits(inputs, i, deactivation), labels)
        for i in range(len(alphas))])
    scale = ablation_scale(full, ablated, AblationOptions(
        normalizer=normalizer, tau=TAU, eps=1e-12), state)
    l_ab = ablation_loss(marginal_contributions(full, ablated), scale)
    for i, alpha in enumerate(alphas):
        objective = total_loss(fair_darts_loss(full, alpha, W01), l_ab[i],
                               W_AB)
        expected, = torch.autograd.grad(objective, alpha, retain_graph=True)
        torch.testing.assert_close(result.grads[i], expected, rtol=1e-7,
                                   atol=1e-10)
    torch.testing.assert_close(result.ablation.ablation_losses,
                               l_ab.detach())


def contributions_through_zero(mean: float) -> tuple:
    """``L`` and ``L_-i`` whose marginal contributions average ``mean``."""
    full = torch.tensor(2.0, dtype=torch.float64)
    deviation = torch.tensor([0.3, -0.1, -0.2], dtype=torch.float64)
    return full, full - (mean + deviation)


MEANS = [-1e-1, -1e-3, -1e-6, 1e-6, 1e-3, 1e-1]


def test_clamped_stays_bounded_where_the_paper_explodes():
    """Driving m through 0: L_AB and the gradient factors a_i, b_i."""
    largest = {}
    for normalizer in ('mean', 'clamped', 'running'):
        values = []
        for mean in MEANS:
            full, ablated = contributions_through_zero(mean)
            running = torch.tensor(abs(mean), dtype=torch.float64)
            scale = ablation_scale(full, ablated, AblationOptions(
                normalizer=normalizer, tau=TAU), running)
            l_ab = ablation_loss(marginal_contributions(full, ablated),
                                 scale=scale)
            coeffs = ablation_gradient_coefficients(full, ablated, W_AB,
                                                    scale)
            values.append(max(l_ab.abs().max(), (coeffs.a - 1).abs().max(),
                              coeffs.b.abs().max()).item())
        largest[normalizer] = max(values)
    # floor tau * L = 0.2: |L_AB| <= 0.3 / 0.2, |a - 1| <= w 0.3 tau / 0.04
    assert largest['clamped'] < 2.0
    assert largest['running'] < 2.0
    # the paper's |m|: 0.3 / 1e-6 for L_AB, 0.3 / 1e-12 for a_i
    assert largest['mean'] > 1e5


def _mean_contribution(model, inputs, labels, deactivation):
    with model.frozen_weights():
        result = arch_gradients(model, inputs, labels, AblationOptions(
            mode='reference', weight=W_AB), deactivation)
    return float(result.ablation.mean)


def test_alpha_gradients_when_the_mean_contribution_crosses_zero():
    """A real supernet moved along one alpha direction until m = 0."""
    model = tiny_supernet(seed=3)
    inputs, labels = tiny_batch(seed=4)
    deactivation = draws(model, seed=5)
    alpha = model.alpha_list()[0]
    start = alpha.detach().clone()
    direction = torch.randn(start.shape, dtype=torch.float64,
                            generator=torch.Generator().manual_seed(6))

    def mean_at(t: float) -> float:
        with torch.no_grad():
            alpha.copy_(start + t * direction)
        return _mean_contribution(model, inputs, labels, deactivation)

    low, high = -8.0, 8.0
    at_low = mean_at(low)
    assert at_low * mean_at(high) < 0, 'no sign change to bisect'
    for _ in range(40):  # to |m| < 1e-6 (stays above eps = 1e-12)
        middle = (low + high) / 2
        at_middle = mean_at(middle)
        if abs(at_middle) < 1e-6:
            break
        if at_middle * at_low > 0:
            low, at_low = middle, at_middle
        else:
            high = middle
    assert abs(at_middle) < 1e-6

    norms = {}
    for normalizer in ('mean', 'clamped'):
        result = exact(model, inputs, labels, deactivation, normalizer)
        assert torch.isfinite(result.ablation.ablation_losses).all()
        norms[normalizer] = (
            max(float(g.norm()) for g in result.grads),
            float(result.ablation.ablation_losses.abs().max()))
    with model.frozen_weights():
        fair = arch_gradients(model, inputs, labels,
                              AblationOptions(mode='none', weight=W_AB))
    fair_norm = max(float(g.norm()) for g in fair.grads)
    # clamped: within a small factor of the FairDARTS step, L_AB bounded
    assert norms['clamped'][0] < 20 * fair_norm + 1.0
    assert norms['clamped'][1] < 1.0 / TAU
    # the paper's normaliser: both blow up as 1 / |m| and 1 / m^2
    assert norms['mean'][1] > 1e3
    assert norms['mean'][0] > 1e3 * norms['clamped'][0]
