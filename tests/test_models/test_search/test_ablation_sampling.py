"""Sampled ablated backwards (``ablation.sample=k``): the estimate of
``dS/dw`` is unbiased, ``k = n`` is the exact gradient bit for bit, and the
sampler is seeded, uniform and checkpointed."""
import itertools
from dataclasses import replace

import pytest
import torch

from ddarts_mm.models.search import AblationOptions
from ddarts_mm.models.search import ablation_schedules as schedules
from ddarts_mm.models.search.samplers import PassSampler
from test_ablation_gradient import (batch, deactivation, fast,
                                     shared_genotype, small_supernet)

#: Monte Carlo draws of the unbiasedness test.
DRAWS = 4000


def weight_leaves(model):
    return [torch.sigmoid(a).detach().requires_grad_()
            for a in model.alpha_list()]


def sum_gradient(model, inputs, labels, weights, schedule, sampled):
    """``dS/dw`` (estimated when ``sampled``) as one flat vector, and the
    ablated losses."""
    leaves = weight_leaves(model)
    with model.frozen_weights():
        _, ablated, _, grad_sum = schedules.exact_gradients(
            model, inputs, labels, leaves, weights, schedule, sampled)
    flat = torch.cat([grad_sum.get(i, torch.zeros_like(w)).reshape(-1)
                      for i, w in enumerate(leaves)])
    return flat, torch.stack(ablated)


def monte_carlo_mean(model, schedule, num_samples):
    """Exact ``dS/dw``; the mean and standard error of the estimate over
    :data:`DRAWS` draws of the model's own pass sampler."""
    inputs, labels = batch()
    weights = deactivation(model)
    exact, exact_losses = sum_gradient(model, inputs, labels, weights,
                                       schedule, None)
    n = len(model.alpha_list())
    estimates = {}
    for subset in itertools.combinations(range(n), num_samples):
        estimates[subset], losses = sum_gradient(
            model, inputs, labels, weights, schedule, list(subset))
        # every ablated loss is exact whatever is back-propagated
        assert torch.equal(losses, exact_losses)
    sampler = PassSampler(num_samples, n, seed=3)
    draws = torch.stack([estimates[tuple(sampler.draw())]
                         for _ in range(DRAWS)])
    return exact, draws.mean(0), draws.std(0) / DRAWS**0.5


def unbiased(exact, mean, standard_error) -> bool:
    """Every coordinate within 4.5 standard errors (a coordinate that no
    draw changes must match to rounding)."""
    tolerance = 4.5 * standard_error + 1e-9 * exact.abs().max()
    return bool(((mean - exact).abs() <= tolerance).all())


@pytest.mark.parametrize('schedule', ['plain', 'segmented'])
@pytest.mark.parametrize('genotype, num_samples', [
    (None, 1), (None, 2), (shared_genotype(), 1)],
                         ids=['per-cell-k1', 'per-cell-k2', 'shared-genes-k1'])
def test_sampled_sum_gradient_is_unbiased(genotype, num_samples, schedule):
    model = small_supernet(genotype, schedule=schedule)
    exact, mean, error = monte_carlo_mean(model, schedule, num_samples)
    assert error.max() > 0  # the draws differ: the test can fail
    assert unbiased(exact, mean, error)


def test_unbiasedness_test_fails_without_the_n_over_k_weight(monkeypatch):
    monkeypatch.setattr(schedules, 'sampled_sum_weight',
                        lambda num_sets, sampled: 1.0)
    model = small_supernet(schedule='segmented')
    exact, mean, error = monte_carlo_mean(model, 'segmented', 2)
    assert not unbiased(exact, mean, error)


def test_unbiasedness_test_fails_with_a_biased_draw(monkeypatch):
    """Always the same first set: the mean misses the others' terms."""
    monkeypatch.setattr(PassSampler, 'draw', lambda self: [0, 1])
    model = small_supernet(schedule='plain')
    exact, mean, error = monte_carlo_mean(model, 'plain', 2)
    assert not unbiased(exact, mean, error)


@pytest.mark.parametrize('schedule', ['plain', 'segmented'])
@pytest.mark.parametrize('genotype', [None, shared_genotype()],
                         ids=['per-cell', 'shared-genes'])
@pytest.mark.parametrize('dtype', [torch.float64, torch.float32],
                         ids=['float64', 'float32'])
def test_sampling_every_pass_is_the_exact_gradient_bit_for_bit(
        genotype, schedule, dtype):
    exact_model = small_supernet(genotype, schedule=schedule, dtype=dtype)
    num_sets = len(exact_model.alpha_list())
    sampled_model = small_supernet(genotype, schedule=schedule, dtype=dtype,
                                   ablation=dict(schedule=schedule,
                                                 sample=num_sets))
    inputs, labels = batch(dtype=dtype)
    weights = deactivation(exact_model)
    want = fast(exact_model, inputs, labels, weights)
    got = fast(sampled_model, inputs, labels, weights)
    for got_grad, want_grad in zip(got.grads, want.grads):
        assert torch.equal(got_grad, want_grad)
    assert torch.equal(got.total, want.total)


def test_sampled_step_uses_exact_losses_and_advances_the_sampler():
    model = small_supernet(ablation=dict(schedule='segmented', sample=1))
    exact_model = small_supernet(schedule='segmented')
    inputs, labels = batch()
    weights = deactivation(model)
    state = model.architect.pass_sampler.rng_state.clone()
    got = fast(model, inputs, labels, weights)
    want = fast(exact_model, inputs, labels, weights)
    assert not torch.equal(model.architect.pass_sampler.rng_state, state)
    torch.testing.assert_close(got.ablation.ablated_losses,
                               want.ablation.ablated_losses, rtol=0, atol=0)
    # one pass of four back-propagated: the gradient is an estimate
    assert any(not torch.allclose(g, w) for g, w in zip(got.grads,
                                                          want.grads))


def test_pass_sampler_draws_uniformly_and_resumes():
    sampler = PassSampler(2, 5, seed=0)
    counts = torch.zeros(5)
    for _ in range(2000):
        drawn = sampler.draw()
        assert drawn == sorted(set(drawn)) and len(drawn) == 2
        counts[drawn] += 1
    # each set drawn with probability 2/5: 800 +- 4.5 sd (sd ~ 21.9)
    assert ((counts - 800).abs() < 100).all(), counts
    resumed = PassSampler(2, 5, seed=0)
    resumed.load_state_dict(sampler.state_dict())
    assert [resumed.draw() for _ in range(5)] == [
        sampler.draw() for _ in range(5)]
    assert PassSampler(2, 5, seed=1).draw() != PassSampler(
        2, 5, seed=0).draw() or PassSampler(2, 5, seed=2).draw() != (
            PassSampler(2, 5, seed=0).draw())


def test_without_sampling_the_state_dict_is_unchanged():
    model = small_supernet()
    assert not any('pass_sampler' in key for key in model.state_dict())
    sampled = small_supernet(ablation=dict(sample=2))
    assert 'architect.pass_sampler.rng_state' in sampled.state_dict()
    with pytest.raises(RuntimeError, match='ablation.sample'):
        model.architect.pass_sampler.draw()


@pytest.mark.parametrize('value, message', [
    (0, 'ablation.sample must be None or an integer >= 1'),
    (True, 'ablation.sample must be None or an integer >= 1'),
    (1.5, 'ablation.sample must be None or an integer >= 1'),
])
def test_bad_sample_values_name_the_field(value, message):
    with pytest.raises(ValueError, match=message):
        AblationOptions(sample=value)


def test_sample_needs_a_schedule_that_can_sample():
    with pytest.raises(ValueError, match="'plain' or 'segmented'"):
        AblationOptions(sample=2, schedule='batched')
    with pytest.raises(ValueError, match=r'<= the number of alpha sets \(4'):
        small_supernet(ablation=dict(sample=5))
    options = AblationOptions(sample=2)
    assert replace(options, mode='none').sample == 2  # the hook's switch
    cuda = torch.device('cuda')
    assert schedules.resolve_schedule('auto', cuda, sampled=True) == 'plain'
    assert schedules.resolve_schedule('auto', cuda) == 'batched'
