"""PerCellOptimWrapperConstructor: one optimizer per alpha set, for real."""
import pytest
import torch
from mmengine.optim import OptimWrapperDict, build_optim_wrapper

from ddarts_mm.engine.optimizers import (PerCellOptimWrapperConstructor,
                                         expand_param_scheduler_cfg)
from ddarts_mm.models.search import DDartsSupernet


def _build(model, cfg):
    return build_optim_wrapper(model, cfg)


def test_one_wrapper_per_alpha_set(fake_supernet, optim_wrapper_cfg):
    model = fake_supernet(num_sets=3)
    wrappers = _build(model, optim_wrapper_cfg())
    assert isinstance(wrappers, OptimWrapperDict)
    assert list(wrappers.keys()) == ['weights', 'alpha_0', 'alpha_1',
                                     'alpha_2']
    weights = wrappers['weights'].optimizer
    assert isinstance(weights, torch.optim.SGD)
    assert wrappers['weights'].clip_grad_kwargs == dict(max_norm=5.0)
    weight_ids = {id(p) for g in weights.param_groups for p in g['params']}
    assert weight_ids == {id(p) for p in model.weight_parameters()}
    for name, alpha in model.arch_parameters().items():
        optimizer = wrappers[name].optimizer
        assert isinstance(optimizer, torch.optim.Adam)
        params = [p for g in optimizer.param_groups for p in g['params']]
        assert len(params) == 1 and params[0] is alpha
        assert optimizer.defaults['lr'] == 3e-3
        assert optimizer.defaults['weight_decay'] == 1e-3
        assert optimizer.defaults['betas'] == (0.9, 0.999)
    # distinct optimizer objects (own state), not one shared
    assert len({id(wrappers[n].optimizer) for n in wrappers.keys()}) == 4


def test_overrides_and_unwrapping(fake_supernet, optim_wrapper_cfg):
    model = fake_supernet(num_sets=2)

    class Wrapped(torch.nn.Module):
        def __init__(self, module):
            super().__init__()
            self.module = module

    cfg = optim_wrapper_cfg(alpha_1=dict(optimizer=dict(lr=1e-4)))
    wrappers = _build(Wrapped(model), cfg)
    assert wrappers['alpha_0'].get_lr()['lr'] == [3e-3]
    assert wrappers['alpha_1'].get_lr()['lr'] == [1e-4]
    # the override merged: Adam's other settings are kept
    assert wrappers['alpha_1'].optimizer.defaults['weight_decay'] == 1e-3
    assert cfg['arch_overrides'] == dict(alpha_1=dict(optimizer=dict(
        lr=1e-4)))  # the config is not mutated


def test_paramwise_cfg_applies_to_weights_only(fake_supernet,
                                               optim_wrapper_cfg):
    model = fake_supernet(num_sets=2)
    cfg = optim_wrapper_cfg()
    cfg['paramwise_cfg'] = dict(bias_lr_mult=2.0)
    wrappers = _build(model, cfg)
    groups = wrappers['weights'].optimizer.param_groups
    assert len(groups) == 2  # linear weight and bias, no alpha
    lrs = sorted(g['lr'] for g in groups)
    assert lrs == pytest.approx([0.005, 0.01])
    alpha_ids = {id(p) for p in model.arch_parameters().values()}
    assert not any(id(p) in alpha_ids for g in groups for p in g['params'])


@pytest.mark.parametrize('cfg, message', [
    (dict(arch=dict(optimizer=dict(type='Adam'))), 'optim_wrapper.weights'),
    (dict(weights=dict(optimizer=dict(type='SGD', lr=0.1))),
     'optim_wrapper.arch'),
    (dict(weights=dict(optimizer=dict(type='SGD', lr=0.1)),
          arch=dict(optimizer=dict(type='Adam')), alphas=1), 'unknown'),
])
def test_bad_config_names_the_field(cfg, message):
    with pytest.raises(ValueError, match=message):
        PerCellOptimWrapperConstructor(cfg)


def test_unknown_override_names_the_sets(fake_supernet, optim_wrapper_cfg):
    with pytest.raises(ValueError, match=r"alpha_9.*alpha_0"):
        _build(fake_supernet(num_sets=2),
               optim_wrapper_cfg(alpha_9=dict(optimizer=dict(lr=1.0))))


def test_arch_step_changes_only_alphas_with_gradient(fake_supernet,
                                                     optim_wrapper_cfg):
    model = fake_supernet(num_sets=3)
    wrappers = _build(model, optim_wrapper_cfg())
    model.grad_sets = [1]  # only alpha_1 receives a gradient
    before = {k: v.detach().clone() for k, v in
              model.arch_parameters().items()}
    weights_before = [p.detach().clone() for p in model.weight_parameters()]
    model.arch_step(dict(inputs=torch.ones(2, 4)), wrappers)
    after = model.arch_parameters()
    assert torch.equal(after['alpha_0'], before['alpha_0'])
    assert torch.equal(after['alpha_2'], before['alpha_2'])
    assert not torch.equal(after['alpha_1'], before['alpha_1'])
    for p, q in zip(model.weight_parameters(), weights_before):
        assert torch.equal(p, q)


def test_real_supernet_arch_step_is_per_cell(optim_wrapper_cfg):
    """On DDartsSupernet: a zero learning rate on one cell freezes it only."""
    torch.manual_seed(0)
    model = DDartsSupernet(num_cells=3, init_channels=4, steps=2,
                           ablation=dict(mode='none'))
    wrappers = _build(model, optim_wrapper_cfg(
        alpha_1=dict(optimizer=dict(lr=0.0))))
    before = {k: v.detach().clone() for k, v in
              model.arch_parameters().items()}
    weights_before = [p.detach().clone() for p in model.weight_parameters()]
    batch = dict(inputs=torch.rand(2, 3, 16, 16),
                 data_samples=torch.tensor([0, 1]))
    model.arch_step(batch, wrappers)
    after = model.arch_parameters()
    assert torch.equal(after['alpha_1'], before['alpha_1'])
    assert not torch.equal(after['alpha_0'], before['alpha_0'])
    assert not torch.equal(after['alpha_2'], before['alpha_2'])
    for p, q in zip(model.weight_parameters(), weights_before):
        assert torch.equal(p, q)


def test_expand_param_scheduler_cfg():
    cosine = dict(type='CosineAnnealingLR', eta_min=1e-3)
    const = dict(type='ConstantLR', factor=0.5)
    expanded = expand_param_scheduler_cfg(
        dict(weights=cosine, arch=cosine, alpha_1=const),
        ['alpha_0', 'alpha_1', 'alpha_2'])
    assert list(expanded) == ['weights', 'alpha_0', 'alpha_1', 'alpha_2']
    assert expanded['alpha_0'] == cosine and expanded['alpha_1'] == const
    assert expanded['alpha_0'] is not expanded['alpha_2']  # copies
    # A list, or one scheduler, already applies to every wrapper.
    assert expand_param_scheduler_cfg([cosine], ['alpha_0']) == [cosine]
    assert expand_param_scheduler_cfg(cosine, ['alpha_0']) is cosine
    with pytest.raises(ValueError, match='alpha_7'):
        expand_param_scheduler_cfg(dict(weights=cosine, alpha_7=cosine),
                                   ['alpha_0'])
    with pytest.raises(ValueError, match='missing'):
        expand_param_scheduler_cfg(dict(weights=cosine, alpha_0=cosine),
                                   ['alpha_0', 'alpha_1'])


def test_scale_weights_lr_leaves_the_alphas(fake_supernet, optim_wrapper_cfg):
    """--auto-scale-lr on a search: SGD weights x ratio, Adam alphas as set.

    mmengine's own rule (Runner.scale_lr) would multiply every wrapper of
    the OptimWrapperDict, the alphas' Adam included.
    """
    from ddarts_mm.engine.optimizers import scale_weights_lr
    cfg = optim_wrapper_cfg(alpha_1=dict(optimizer=dict(lr=1e-3)))
    scaled = scale_weights_lr(cfg, 4.0)
    assert cfg['weights']['optimizer']['lr'] == 0.005  # a copy
    wrappers = _build(fake_supernet(num_sets=2), scaled)
    assert wrappers['weights'].optimizer.defaults['lr'] == pytest.approx(0.02)
    assert wrappers['alpha_0'].optimizer.defaults['lr'] == 3e-3
    assert wrappers['alpha_1'].optimizer.defaults['lr'] == 1e-3
    with pytest.raises(ValueError, match='weights.optimizer.lr'):
        scale_weights_lr(dict(weights=dict(optimizer=dict(type='SGD'))), 2.0)
