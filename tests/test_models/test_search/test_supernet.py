"""DDartsSupernet: layout, alpha sharing, forward, steps, BN statistics."""
import copy

import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from ddarts_mm.models.search import (AblationOptions, DDartsSupernet,
                                     arch_gradients)
from ddarts_mm.registry import MODELS
from ddarts_mm.search_space.genotype import Edge, Gene, Genotype
from ddarts_mm.search_space.layout import SearchLayout

DEVICES = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])


def xception_genotype() -> Genotype:
    """DARTOpti's Xception encoding (docs/search_space.md)."""
    s3 = 'sep_conv_3x3'
    genes = [
        Gene([Edge('simple_conv_1x1', 4, 0), Edge(s3, 2, 0), Edge(s3, 3, 2),
              Edge('max_pool_3x3', 4, 3)], concat=[2, 3, 4, 5]),
        Gene([Edge('skip_connect', 4, 0), Edge(s3, 2, 0), Edge(s3, 3, 2),
              Edge(s3, 4, 3)], concat=[2, 3, 4, 5]),
        Gene([Edge(s3, 2, 0), Edge(s3, 3, 2)], concat=[2, 3, 4, 5]),
    ]
    return Genotype(genes, sequence=[0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 2],
                    reductions=[1, 2, 11, 12], steps=4, search_space='S_o',
                    name='Xception')


def small(device='cpu', **kwargs) -> DDartsSupernet:
    torch.manual_seed(0)
    cfg = dict(num_cells=4, init_channels=4, steps=2, num_classes=5)
    cfg.update(kwargs)
    return DDartsSupernet(**cfg).to(device).train()


def data(seed=0, batch=4, size=16):
    """A batch as a dataloader gives it (the preprocessor moves it)."""
    generator = torch.Generator().manual_seed(seed)
    return dict(inputs=torch.randn(batch, 3, size, size, generator=generator),
                data_samples=torch.randint(0, 5, (batch, ),
                                           generator=generator))


def optim_wrapper(model) -> OptimWrapperDict:
    wrappers = {
        name: OptimWrapper(torch.optim.Adam([alpha], lr=0.1))
        for name, alpha in model.arch_parameters().items()
    }
    wrappers['weights'] = OptimWrapper(
        torch.optim.SGD(model.weight_parameters(), lr=0.1, momentum=0.9),
        clip_grad=dict(max_norm=5))
    return OptimWrapperDict(**wrappers)


def bn_stats(model):
    return {k: v.clone() for k, v in model.state_dict().items()
            if 'running' in k or 'num_batches' in k}


@pytest.mark.parametrize('stem,size,out', [('cifar', 32, 10),
                                           ('imagenet', 64, 7)])
def test_forward_shapes_and_layout(stem, size, out):
    model = DDartsSupernet(num_cells=8, init_channels=4, stem=stem,
                           num_classes=out)
    assert model.reductions == [2, 5]
    assert model.alpha_names() == [f'alpha_{i}' for i in range(8)]
    layout = model.search_layout()
    assert len(layout.rows) == 14 and layout.rows[:3] == [
        (2, 0), (2, 1), (3, 0)]
    assert layout.state_dict_keys[0] == 'alphas.alpha_0'
    assert SearchLayout.from_supernet(model) == layout
    assert layout is not model.search_layout()  # a copy
    assert [a.shape for a in model.alpha_list()] == [(14, 7)] * 8
    assert 'alphas.alpha_0' in model.state_dict()
    assert [c.reduction for c in model.cells] == [
        i in (2, 5) for i in range(8)]
    logits = model(torch.rand(2, 3, size, size))
    assert logits.shape == (2, out)
    arch = set(map(id, model.arch_parameters().values()))
    weights = set(map(id, model.weight_parameters()))
    assert not arch & weights
    assert len(arch | weights) == len(list(model.parameters()))


def test_registry_and_search_space():
    model = MODELS.build(dict(type='DDartsSupernet', num_cells=3,
                              init_channels=4, steps=2, search_space='S_o'))
    assert model.alpha_list()[0].shape == (5, 12)
    with pytest.raises(ValueError, match='search space'):
        DDartsSupernet(search_space='T')
    with pytest.raises(ValueError, match='ablation.mode'):
        DDartsSupernet(ablation=dict(mode='fast'))
    with pytest.raises(ValueError, match='unknown key'):
        DDartsSupernet(ablation=dict(wieght=1.0))
    with pytest.raises(ValueError, match="search_space='S_o'"):
        DDartsSupernet(genotype=xception_genotype(), search_space='S')


def test_every_parameter_gets_a_gradient():
    model = small()
    batch = data()
    loss = model(batch['inputs'], batch['data_samples'], mode='loss')['loss']
    loss.backward()
    for name, param in model.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name
    assert torch.isfinite(loss)
    # and the exact architecture gradient reaches every alpha
    with model.frozen_weights():
        result = arch_gradients(model, batch['inputs'], batch['data_samples'],
                                AblationOptions(), torch.rand(4, 5, 7))
    assert all(p.requires_grad for p in model.parameters())
    for grad in result.grads:
        assert torch.isfinite(grad).all() and grad.abs().sum() > 0


def test_xception_shares_alpha_per_gene():
    model = DDartsSupernet(genotype=xception_genotype(), search_space='S_o',
                           init_channels=4)
    assert model.num_layers == 13 and model.reductions == [1, 2, 11, 12]
    assert model.alpha_names() == [f'alpha_gene_{g}' for g in range(3)]
    alphas = [model.alpha_list()[s] for s in model.sequence]
    assert alphas[0] is alphas[1] is alphas[11]
    assert alphas[3] is alphas[10] and alphas[12] is not alphas[0]
    assert model.set_layers == [[0, 1, 2, 11], list(range(3, 11)), [12]]
    assert model.search_layout().num_layers == 13
    # the encoded ops start high (alpha 10, as the authors' code), the
    # others at sigmoid 0.5
    rows = {edge: r for r, edge in enumerate(model.search_layout().rows)}
    gene2 = model.arch_parameters()['alpha_gene_2']
    sep = model.op_names.index('sep_conv_3x3')
    assert gene2[rows[(2, 0)], sep] == 10.0
    assert gene2[rows[(3, 2)], sep] == 10.0
    assert (gene2 == 10.0).sum() == 2 and (gene2 == 0.0).sum() == 14 * 12 - 2
    assert model(torch.rand(2, 3, 16, 16)).shape == (2, 10)


@pytest.mark.parametrize('device', DEVICES)
def test_arch_step_changes_only_alphas(device):
    model = small(device)
    wrapper = optim_wrapper(model)
    weights = [p.detach().clone() for p in model.weight_parameters()]
    alphas = [a.detach().clone() for a in model.alpha_list()]
    log_vars = model.arch_step(data(1), wrapper)
    assert set(log_vars) >= {'loss_arch', 'arch_ce', 'loss_01', 'loss_ab'}
    for before, param in zip(weights, model.weight_parameters()):
        assert torch.equal(before, param) and param.grad is None
    for before, alpha in zip(alphas, model.alpha_list()):
        assert not torch.equal(before, alpha) and alpha.grad is None
    result = model.architect.last_ablation
    assert result.ablated_losses.shape == result.ablation_losses.shape == (4, )
    torch.testing.assert_close(result.marginal,
                               result.full_loss - result.ablated_losses)


@pytest.mark.parametrize('device', DEVICES)
def test_train_step_no_gradient_leak(device):
    model = small(device)
    wrapper = optim_wrapper(model)
    twin = copy.deepcopy(model)
    twin_wrapper = optim_wrapper(twin)
    batch = dict(weights=data(1), arch=data(2))
    log_vars = model.train_step(batch, wrapper)
    assert {'loss', 'loss_arch', 'loss_01'} <= set(log_vars)
    for param in model.parameters():
        assert param.grad is None
    # the same architecture step, then a weight step alone: same weights
    twin.arch_step(batch['arch'], twin_wrapper)
    twin.search_arch = False
    twin.train_step(dict(weights=batch['weights']), twin_wrapper)
    for (name, got), want in zip(model.named_parameters(), twin.parameters()):
        torch.testing.assert_close(got, want, msg=name)
    with pytest.raises(ValueError, match='arch'):
        model.train_step(dict(weights=batch['weights']), wrapper)


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('mode', ['exact', 'reference'])
def test_ablated_passes_leave_bn_running_stats(mode, device):
    model = small(device, ablation=dict(mode=mode))
    fair = copy.deepcopy(model)
    fair.architect.compute_ablation = False
    before = bn_stats(model)
    model.arch_step(data(1), optim_wrapper(model))
    fair.arch_step(data(1), optim_wrapper(fair))
    after, want = bn_stats(model), bn_stats(fair)
    changed = [k for k in before if not torch.equal(before[k], after[k])]
    assert changed  # the full pass updates them, as in training
    for key in after:
        torch.testing.assert_close(after[key], want[key], msg=key)
    assert all(m.track_running_stats for m in model.modules()
               if isinstance(m, torch.nn.BatchNorm2d))


def test_none_mode_is_fairdarts():
    none = small(ablation=dict(mode='none'))
    fair = small()
    fair.architect.compute_ablation = False
    for model in (none, fair):
        model.arch_step(data(1), optim_wrapper(model))
    assert none.architect.last_ablation is None
    assert fair.architect.last_ablation is None
    for got, want in zip(none.alpha_list(), fair.alpha_list()):
        torch.testing.assert_close(got, want)


def test_deactivation_draws_are_reproducible_and_checkpointed():
    model = small()
    shape = (4, 5, 7)
    first = model.architect.deactivation.sample(shape, torch.zeros(()))
    state = copy.deepcopy(model.state_dict())
    second = model.architect.deactivation.sample(shape, torch.zeros(()))
    assert not torch.equal(first, second)  # advanced every iteration
    assert 0 <= first.min() and first.max() < 1
    resumed = small(ablation=dict(seed=123))
    resumed.load_state_dict(state)
    torch.testing.assert_close(
        resumed.architect.deactivation.sample(shape, torch.zeros(())), second)
    uniform = small(ablation=dict(deactivation='uniform'))
    draws = uniform.architect.deactivation.sample(shape, first)
    assert torch.all(draws == 0.5)


def test_reduce_fn_sees_losses_and_gradients():
    model = small()
    seen = []

    def reduce_fn(tensor):
        seen.append(tensor.shape)
        return tensor * 1.0

    model.arch_step(data(1), optim_wrapper(model), reduce_fn=reduce_fn)
    numel = sum(a.numel() for a in model.alpha_list())
    assert seen == [(5, ), (2 * numel, )]  # [L, L_-0..3]; dL and dS


def test_predict_mode():
    pytest.importorskip('mmpretrain')
    model = small().eval()
    batch = data()
    with torch.no_grad():
        samples = model(batch['inputs'], None, mode='predict')
    assert len(samples) == 4
    assert samples[0].pred_score.shape == (5, )
    assert samples[0].pred_label.shape == (1, )
    with pytest.raises(RuntimeError, match='Invalid mode'):
        model(batch['inputs'], mode='features')


def test_train_step_takes_the_distributed_hooks():
    """What the DDP wrapper passes: a reduction, a forward, a loss check."""
    model = small()
    reduced, checked, forwarded = [], [], []

    class Forward(torch.nn.Module):  # stands for the DDP wrapper
        def __init__(self, module):
            super().__init__()
            self.module = module

        def forward(self, *args, mode='tensor', **kwargs):
            forwarded.append(mode)
            return self.module(*args, mode=mode, **kwargs)

    log_vars = model.train_step(
        dict(weights=data(0), arch=data(1)), optim_wrapper(model),
        reduce_fn=lambda t: reduced.append(t.shape) or t,
        forward_model=Forward(model), check_loss=checked.append)
    assert reduced and forwarded == ['loss'] and len(checked) == 1
    assert torch.equal(checked[0], log_vars['loss'])
