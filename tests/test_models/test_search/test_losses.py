"""Losses of the search: Eq. 3, 4, 6, 7, 8 and the gradient coefficients."""
import pytest
import torch

from ddarts_mm.models.search import (AblationOptions,
                                     ablation_gradient_coefficients,
                                     ablation_loss, ablation_scale,
                                     fair_darts_loss,
                                     marginal_contributions,
                                     reference_ablation_loss, total_loss,
                                     zero_one_loss)


def test_zero_one_loss_pushes_away_from_half():
    assert float(zero_one_loss(torch.zeros(14, 7))) == 0.0
    assert float(zero_one_loss(torch.full((3, ), 50.0))) == pytest.approx(
        -0.25)
    alpha = torch.tensor([0.3, -2.0], requires_grad=True)
    zero_one_loss(alpha).backward()
    # gradient descent moves each alpha away from 0 (sigmoid from 0.5)
    assert torch.all(torch.sign(-alpha.grad) == torch.sign(alpha.detach()))
    ce = torch.tensor(2.0)
    assert float(fair_darts_loss(ce, alpha.detach(), 7.0)) == pytest.approx(
        2.0 + 7.0 * float(zero_one_loss(alpha.detach())))


def paper_ablation_loss(full, ablated):
    """Eq. 7 with the paper's denominator ``|m|`` (``eps`` 1e-8)."""
    scale = ablation_scale(full, ablated, AblationOptions(normalizer='mean'))
    return ablation_loss(marginal_contributions(full, ablated), scale)


def test_ablation_loss_signs_and_degenerate_mean():
    full = torch.tensor(1.0)
    ablated = torch.tensor([1.5, 1.2, 1.0, 0.9])  # set 0 helps most
    marginal = marginal_contributions(full, ablated)
    torch.testing.assert_close(marginal, torch.tensor([-0.5, -0.2, 0.0, 0.1]))
    l_ab = paper_ablation_loss(full, ablated)
    assert float(l_ab.sum()) == pytest.approx(0.0, abs=1e-6)
    assert l_ab.argmin() == 0 and l_ab.argmax() == 3
    # m < 0: the authors' version agrees; m > 0: it flips the ranking
    torch.testing.assert_close(reference_ablation_loss(marginal), l_ab)
    flipped = paper_ablation_loss(full, full + marginal)  # M -> -M
    assert torch.allclose(reference_ablation_loss(-marginal), -flipped)
    assert flipped.argmin() == 3  # still "helps more"
    # |m| < eps: no ablation loss at all
    flat = torch.tensor([1e-10, -1e-10, 0.0])
    assert torch.all(paper_ablation_loss(full, full - flat) == 0)
    assert torch.all(reference_ablation_loss(flat) == 0)
    assert float(total_loss(torch.tensor(2.0), torch.tensor(0.4),
                            0.5)) == pytest.approx(2.2)


@pytest.mark.parametrize('normalizer', ['mean', 'clamped', 'running'])
@pytest.mark.parametrize('size', [0.3, 0.01])  # |m| above / below tau * L
@pytest.mark.parametrize('sign', [1.0, -1.0])
def test_gradient_coefficients_are_the_partial_derivatives(sign, size,
                                                           normalizer):
    """a_i = dL_T^i/dL and b_i = dL_T^i/dL_-k for k != i (Eq. 8)."""
    n, weight = 5, 0.7
    generator = torch.Generator().manual_seed(0)
    full = torch.tensor(2.0, dtype=torch.float64)
    ablated = full - sign * size * (1 + torch.rand(
        n, generator=generator, dtype=torch.float64))
    running = torch.tensor(0.1, dtype=torch.float64)

    def objectives(values):
        scale = ablation_scale(values[0], values[1:],
                               AblationOptions(normalizer=normalizer),
                               running)
        l_ab = ablation_loss(marginal_contributions(values[0], values[1:]),
                             scale=scale)
        return values[0] + weight * l_ab

    jacobian = torch.autograd.functional.jacobian(
        objectives, torch.cat([full.view(1), ablated]))
    scale = ablation_scale(full, ablated,
                           AblationOptions(normalizer=normalizer), running)
    coeffs = ablation_gradient_coefficients(full, ablated, weight, scale)
    torch.testing.assert_close(coeffs.a, jacobian[:, 0])
    for i in range(n):
        for k in range(n):
            if k != i:
                torch.testing.assert_close(coeffs.b[i], jacobian[i, 1 + k])
    if normalizer == 'mean':
        flat = full.expand(n)
        off = ablation_gradient_coefficients(
            full, flat, weight,
            ablation_scale(full, flat, AblationOptions(normalizer='mean')))
        assert torch.all(off.a == 1) and torch.all(off.b == 0)
