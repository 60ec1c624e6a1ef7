"""DDartsNet: shapes per stem, mmdet backbone contract, drop path, counts."""
import importlib.util

import pytest
import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from ddarts_mm.models.backbones import DDartsNet, EvalCell
from ddarts_mm.search_space.genotype import Edge, Gene, Genotype
from ddarts_mm.search_space.zoo import zoo_names
from helpers import check_norm_state, darts_v2, fairdarts_a, num_params

# DARTOpti's ResNet18 encoding (docs/search_space.md).
RESNET18_GENE = [('simple_conv_3x3', 2, 0), ('simple_conv_3x3', 3, 2),
                 ('skip_connect', 3, 0), ('simple_conv_3x3', 4, 3),
                 ('simple_conv_3x3', 5, 4), ('skip_connect', 5, 3)]


# A 4-layer S_o genotype reading both cell inputs (as DO-2-ResNet18 does).
DO_LIKE_GENE = [('simple_conv_3x3', 2, 0), ('bottleneck_1x3x1', 2, 1),
                ('conv_3x1_1x3', 3, 2), ('skip_connect', 3, 1)]


def resnet18(gene=RESNET18_GENE) -> Genotype:
    return Genotype([Gene([Edge(*e) for e in gene])], [0, 0, 0, 0],
                    [1, 2, 3], search_space='S_o')


# ------------------------------------------------------------------ shapes
@pytest.mark.parametrize('stem, size, shapes, strides', [
    ('cifar', 32, [(32, 32, 32), (64, 16, 16), (128, 8, 8)], [1, 2, 4]),
    ('imagenet', 32, [(32, 4, 4), (64, 2, 2), (128, 1, 1)], [8, 16, 32]),
    ('detection', 32, [(32, 8, 8), (64, 4, 4), (128, 2, 2)], [4, 8, 16]),
])
def test_stage_shapes_per_stem(stem, size, shapes, strides):
    net = DDartsNet(darts_v2(), 8, stem=stem, out_indices=(0, 1, 2)).eval()
    outs = net(torch.rand(2, 3, size, size))
    assert [tuple(o.shape[1:]) for o in outs] == shapes
    assert net.out_channels == [o.shape[1] for o in outs]
    assert net.stage_channels == [32, 64, 128]
    assert [size // o.shape[2] for o in outs] == strides
    assert net.stages == [[0, 1], [2, 3, 4], [5, 6, 7]]
    assert net.out_layers == [1, 4, 7]


def test_detection_stem_gives_resnet_strides():
    net = DDartsNet(resnet18(), 8, stem='detection',
                    out_indices=(0, 1, 2, 3)).eval()
    outs = net(torch.rand(1, 3, 64, 64))
    assert [tuple(o.shape[2:]) for o in outs] == [(16, 16), (8, 8), (4, 4),
                                                  (2, 2)]
    assert net.out_channels == [o.shape[1] for o in outs] == [32, 64, 128, 256]
    # The first cell reduces the stride-2 s0 of the stem.
    assert type(net.cells[0].preprocess0).__name__ == 'FactorizedReduce'


def test_default_out_indices_is_last_stage_and_negative_indices():
    net = DDartsNet(darts_v2(), 8).eval()
    assert net.out_indices == [2]
    outs = net(torch.rand(1, 3, 32, 32))
    assert len(outs) == 1 and outs[0].shape == (1, 128, 8, 8)
    assert DDartsNet(darts_v2(), 8, out_indices=(-3, -1)).out_indices == [0, 2]


def test_forward_layers_match_forward():
    torch.manual_seed(0)
    net = DDartsNet(darts_v2(), 8, out_indices=(0, 1, 2)).eval()
    x = torch.rand(1, 3, 32, 32)
    layers = net.forward_layers(x)
    assert len(layers) == 8
    assert [o.shape[1] for o in layers] == net.layer_channels
    for out, layer in zip(net(x), net.out_layers):
        torch.testing.assert_close(out, layers[layer])


def test_fairdarts_concat_only_nodes_with_edges():
    net = DDartsNet(fairdarts_a(8), 8, out_indices=(0, 1, 2)).eval()
    # normal cell: nodes 2, 4, 5 (3C); reduce cell: nodes 2..5 (4C).
    assert net.layer_channels[:3] == [24, 24, 64]
    outs = net(torch.rand(1, 3, 32, 32))
    assert [o.shape[1] for o in outs] == net.out_channels == [24, 48, 96]


# -------------------------------------------------------------- validation
def test_bad_arguments_raise_value_error():
    with pytest.raises(ValueError, match=r'out_indices \(0, 3\).*3 stages'):
        DDartsNet(darts_v2(), 8, out_indices=(0, 3))
    with pytest.raises(ValueError, match='out_indices'):
        DDartsNet(darts_v2(), 8, out_indices=())
    with pytest.raises(ValueError, match="stem must be one of"):
        DDartsNet(darts_v2(), 8, stem='mobile')
    with pytest.raises(ValueError, match='frozen_stages'):
        DDartsNet(darts_v2(), 8, frozen_stages=4)
    with pytest.raises(ValueError, match='drop_path_rate'):
        DDartsNet(darts_v2(), 8, drop_path_rate=1.0)


def test_genotype_from_zoo_name_and_dict():
    assert 'DARTS_V2' in zoo_names()
    by_name = DDartsNet('DARTS_V2', 8)
    by_dict = DDartsNet(darts_v2().to_dict(), 8)
    assert num_params(by_name) == num_params(by_dict)
    # The docstring example.
    net = DDartsNet('DARTS_V2', init_channels=16, out_indices=(0, 1, 2))
    outs = net.eval()(torch.rand(1, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [(1, 64, 32, 32),
                                              (1, 128, 16, 16),
                                              (1, 256, 8, 8)]


def test_layers_grows_the_genotype():
    net = DDartsNet(darts_v2(8), 8, layers=14)
    assert len(net.cells) == 14
    assert net.genotype.reductions == [4, 9]
    assert net.num_stages == 3


# ------------------------------------------------- freezing and norm_eval
def test_frozen_stages():
    net = DDartsNet(darts_v2(), 8, out_indices=(0, 1, 2), frozen_stages=1)
    net.train()
    frozen = [net.stem] + [net.cells[i] for i in net.stages[0]]
    trained = [net.cells[i] for i in net.stages[1] + net.stages[2]]
    assert all(not p.requires_grad for m in frozen for p in m.parameters())
    assert all(p.requires_grad for m in trained for p in m.parameters())
    assert check_norm_state(frozen, False)
    assert check_norm_state(trained, True)
    # frozen_stages=0 freezes the stem only.
    net = DDartsNet(darts_v2(), 8, frozen_stages=0).train()
    assert not any(p.requires_grad for p in net.stem.parameters())
    assert all(p.requires_grad for p in net.cells.parameters())


def test_norm_eval_keeps_bn_in_eval_but_trainable():
    net = DDartsNet(darts_v2(), 8, norm_eval=True).train()
    assert check_norm_state([net], False)
    assert all(p.requires_grad for p in net.parameters())
    assert net.training
    net = DDartsNet(darts_v2(), 8, norm_eval=False).train()
    assert check_norm_state([net], True)


# -------------------------------------------------------------- drop path
def test_drop_path_is_per_sample_scaled_and_training_only():
    torch.manual_seed(0)
    gene = Gene([Edge('max_pool_3x3', 2, 1)])
    cell = EvalCell(gene, 4, 4, 4, reduction=False, reduction_prev=False)
    s = torch.rand(64, 4, 6, 6)
    cell.train()
    kept = cell(s, s, drop_prob=0.0)
    dropped = cell(s, s, drop_prob=0.5)
    ratio = (dropped / kept).flatten(1)
    per_sample = ratio[:, 0]
    assert torch.allclose(ratio, per_sample[:, None].expand_as(ratio))
    assert set(per_sample.unique().tolist()) == {0.0, 2.0}
    cell.eval()
    torch.testing.assert_close(cell(s, s, 0.5), cell(s, s, 0.0))


def test_drop_path_skips_identity_ops():
    gene = Gene([Edge('skip_connect', 2, 1)])
    cell = EvalCell(gene, 4, 4, 4, reduction=False, reduction_prev=False)
    cell.train()
    s = torch.rand(16, 4, 6, 6)
    torch.testing.assert_close(cell(s, s, 0.9), cell(s, s, 0.0))


def test_network_drop_path_prob_attribute():
    net = DDartsNet(darts_v2(), 8, drop_path_rate=0.3)
    assert net.drop_path_rate == net.drop_path_prob == 0.3
    x = torch.rand(4, 3, 32, 32)
    net.eval()
    torch.testing.assert_close(net(x)[0], net(x)[0])
    net.drop_path_prob = 0.0
    net.train()
    torch.manual_seed(0)
    ref = net(x)[0]
    net.drop_path_prob = 0.5
    assert not torch.allclose(net(x)[0], ref)


# -------------------------------------------------------------- gradients
@pytest.mark.parametrize('stem, genotype, size', [
    ('cifar', darts_v2(), 16),
    ('imagenet', darts_v2(), 32),
    ('detection', resnet18(DO_LIKE_GENE), 32),
    ('cifar', fairdarts_a(8), 16),
])
def test_every_parameter_gets_a_gradient(stem, genotype, size):
    torch.manual_seed(0)
    net = DDartsNet(genotype, 8, stem=stem, out_indices=(-1, ),
                    drop_path_rate=0.2).train()
    outs = net(torch.rand(2, 3, size, size))
    assert all(torch.isfinite(o).all() for o in outs)
    sum(o.mean() for o in outs).backward()
    for name, param in net.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name


def test_with_cp_gives_the_same_gradients():
    """Checkpointing recomputes each cell with the same drop path masks."""
    torch.manual_seed(0)
    net = DDartsNet(darts_v2(), 8, drop_path_rate=0.3).train()
    net_cp = DDartsNet(darts_v2(), 8, drop_path_rate=0.3,
                       with_cp=True).train()
    net_cp.load_state_dict(net.state_dict())
    x = torch.rand(2, 3, 16, 16)
    for model in (net, net_cp):
        torch.manual_seed(1)
        model(x)[0].sum().backward()
    for (name, p), p_cp in zip(net.named_parameters(), net_cp.parameters()):
        torch.testing.assert_close(p.grad, p_cp.grad, msg=name)


# ---------------------------------------------------- norm_cfg and init
def test_norm_cfg_converts_every_bn():
    pytest.importorskip('mmcv')
    net = DDartsNet(darts_v2(), 8, norm_cfg=dict(type='GN', num_groups=4))
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    plain = DDartsNet(darts_v2(), 8)
    gn_keys = {k for k in net.state_dict()}
    bn_keys = {k for k in plain.state_dict()
               if not k.endswith(('running_mean', 'running_var',
                                  'num_batches_tracked'))}
    assert gn_keys == bn_keys
    assert net.eval()(torch.rand(1, 3, 32, 32))[0].shape == (1, 128, 8, 8)
    frozen_bn = DDartsNet(darts_v2(), 8,
                          norm_cfg=dict(type='BN', requires_grad=False))
    norms = [m for m in frozen_bn.modules() if isinstance(m, _BatchNorm)]
    assert norms and all(not p.requires_grad for m in norms
                         for p in m.parameters())
    with pytest.raises(ValueError, match='norm_cfg'):
        DDartsNet(darts_v2(), 8, norm_cfg='BN')


def test_pretrained_init_cfg_with_prefix(tmp_path):
    torch.manual_seed(0)
    classifier = nn.Module()
    classifier.backbone = DDartsNet(darts_v2(), 8)
    classifier.head = nn.Linear(128, 10)
    for p in classifier.parameters():
        nn.init.normal_(p)
    path = tmp_path / 'classifier.pth'
    torch.save({'state_dict': classifier.state_dict()}, path)
    net = DDartsNet(
        darts_v2(),
        8,
        init_cfg=dict(type='Pretrained', checkpoint=str(path),
                      prefix='backbone.'))
    net.init_weights()
    source = classifier.backbone.state_dict()
    for key, value in net.state_dict().items():
        torch.testing.assert_close(value, source[key], msg=key)


# --------------------------------------------------------------- registry
def test_registries():
    from ddarts_mm.registry import MODELS
    cfg = dict(genotype=darts_v2().to_dict(), init_channels=8)
    assert isinstance(MODELS.build(dict(type='DDartsNet', **cfg)), DDartsNet)
    for package in ('mmdet', 'mmpretrain'):
        if importlib.util.find_spec(package) is None:
            continue
        registry = importlib.import_module(f'{package}.registry').MODELS
        for name in ('DDartsNet', 'ddarts_mm.DDartsNet'):
            net = registry.build(dict(type=name, **cfg))
            assert isinstance(net, DDartsNet), (package, name)


# -------------------------------------------------------- parameter counts
def test_darts_v2_cifar10_params_match_darts():
    """DARTS' NetworkCIFAR prints 3.349342 MB (without auxiliary head)."""
    net = DDartsNet(darts_v2(20), 36)
    assert net.out_channels == [576]
    assert num_params(net) + 576 * 10 + 10 == 3_349_342


def test_darts_v2_imagenet_params_match_darts():
    """DARTS' NetworkImageNet (mobile setting): 4.7M without aux head."""
    net = DDartsNet(darts_v2(14), 48, stem='imagenet')
    assert net.out_channels == [768]
    assert num_params(net) + 768 * 1000 + 1000 == 4_718_752


def test_fairdarts_a_cifar10_params():
    """2,360,782 without the auxiliary head; FairDARTS' 2.83M counts it."""
    net = DDartsNet(fairdarts_a(20), 36)
    assert net.layer_channels[13] == 576 and net.out_channels == [432]
    assert num_params(net) + 432 * 10 + 10 == 2_360_782
