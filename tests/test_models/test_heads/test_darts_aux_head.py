"""DartsAuxHead: DARTS' CIFAR and ImageNet auxiliary heads."""
import pytest
import torch
import torch.nn as nn

pytest.importorskip('mmpretrain')

from ddarts_mm.models.heads import DartsAuxHead  # noqa: E402


@pytest.mark.parametrize('arch, size, norms', [('cifar', 8, 2),
                                               ('imagenet', 7, 1)])
def test_layers_shapes_and_params(arch, size, norms):
    head = DartsAuxHead(num_classes=5, in_channels=16, arch=arch).train()
    bns = [m for m in head.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(bns) == norms
    pool = head.features[1]
    assert pool.kernel_size == 5 and not pool.count_include_pad
    assert pool.stride == (3 if arch == 'cifar' else 2)
    x = torch.rand(2, 16, size, size)
    assert head.features(x).shape == (2, 768, 1, 1)
    assert head((x, )).shape == (2, 5)
    params = sum(p.numel() for p in head.parameters())
    assert params == (16 * 128 + 2 * 128 + 128 * 768 * 4 + 2 * 768 *
                      (norms - 1) + 768 * 5 + 5)


def test_larger_maps_are_averaged_and_arch_dict():
    head = DartsAuxHead(5, 16, arch=dict(pool_stride=3, final_norm=False))
    assert head((torch.rand(1, 16, 16, 16), )).shape == (1, 5)
    with pytest.raises(ValueError, match='arch'):
        DartsAuxHead(5, 16, arch='mobile')
    with pytest.raises(ValueError, match='arch'):
        DartsAuxHead(5, 16, arch=dict(pool_stride=3))
