"""A NaN/Inf in the architecture or weight loss never poisons the search."""
import pytest
import torch

from ddarts_mm.engine.optimizers import PerCellOptimWrapperConstructor
from ddarts_mm.models.search import DDartsSupernet


def _setup(nonfinite: str):
    torch.manual_seed(0)
    model = DDartsSupernet(num_cells=3, init_channels=4, steps=1,
                           num_classes=3,
                           nonfinite=nonfinite).train()
    wrappers = PerCellOptimWrapperConstructor(dict(
        weights=dict(optimizer=dict(type='SGD', lr=0.1)),
        arch=dict(optimizer=dict(type='Adam', lr=0.1))))(model)
    inputs = torch.randn(4, 3, 8, 8)
    labels = torch.tensor([0, 1, 2, 0])
    return model, wrappers, inputs, labels


def _batch(inputs, labels):
    return dict(inputs=inputs, data_samples=labels)


def test_nan_arch_loss_raises_naming_the_step():
    model, wrappers, inputs, labels = _setup('raise')
    bad = inputs.clone()
    bad[0, 0, 0, 0] = float('nan')
    with pytest.raises(FloatingPointError,
                       match=r'iteration \d+: architecture step: the '
                       'full-supernet loss L is not finite'):
        model.train_step(dict(weights=_batch(inputs, labels),
                              arch=_batch(bad, labels)), wrappers)


def test_nan_steps_are_skipped_without_touching_parameters():
    model, wrappers, inputs, labels = _setup('skip')
    bad = inputs.clone()
    bad[0, 0, 0, 0] = float('inf')
    alphas = [a.detach().clone() for a in model.alpha_list()]
    params = [p.detach().clone() for p in model.weight_parameters()]
    model.train_step(dict(weights=_batch(bad, labels),
                          arch=_batch(bad, labels)), wrappers)
    assert all(torch.equal(a, b) for a, b in zip(alphas, model.alpha_list()))
    assert all(torch.equal(p, q)
               for p, q in zip(params, model.weight_parameters()))
    # a finite step afterwards still updates both
    model.train_step(dict(weights=_batch(inputs, labels),
                          arch=_batch(inputs, labels)), wrappers)
    assert not torch.equal(alphas[0], model.alpha_list()[0])
    assert torch.isfinite(model.alpha_list()[0]).all()


def _bn_buffers(model):
    return {name: buf.detach().clone()
            for name, buf in model.named_buffers()
            if name.rsplit('.', 1)[-1] in ('running_mean', 'running_var',
                                           'num_batches_tracked')}


@pytest.mark.parametrize('search_arch', [False, True])
def test_skipped_steps_leave_bn_running_stats(search_arch):
    model, wrappers, inputs, labels = _setup('skip')
    model.search_arch = search_arch
    bad = inputs.clone()
    bad[1, 0, 0, 0] = float('nan')  # one sample: BN statistics turn NaN
    before = _bn_buffers(model)
    assert before
    model.train_step(dict(weights=_batch(bad, labels),
                          arch=_batch(bad, labels)), wrappers)
    after = _bn_buffers(model)
    assert all(torch.equal(before[k], after[k]) for k in before), [
        k for k in before if not torch.equal(before[k], after[k])]
    # a finite step afterwards updates them again
    model.train_step(dict(weights=_batch(inputs, labels),
                          arch=_batch(inputs, labels)), wrappers)
    key = 'stem.layers.1.running_mean'
    assert not torch.equal(before[key], _bn_buffers(model)[key])
