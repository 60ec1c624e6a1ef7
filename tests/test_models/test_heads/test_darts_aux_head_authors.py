"""DartsAuxHead(arch='ddarts_imagenet'): the D-DARTS authors' ImageNet head."""
import pytest
import torch

pytest.importorskip('mmpretrain')

from ddarts_mm.models.heads import DartsAuxHead  # noqa: E402


def test_ddarts_imagenet_arch_has_the_authors_final_bn():
    """Their ImageNet auxiliary head keeps the BN after the 768 conv."""
    cifar = DartsAuxHead(10, 32, arch='cifar')
    authors = DartsAuxHead(10, 32, arch='ddarts_imagenet')
    darts = DartsAuxHead(10, 32, arch='imagenet')
    assert list(authors.state_dict()) == list(cifar.state_dict())
    assert len(darts.state_dict()) == len(authors.state_dict()) - 5
    assert authors.features[1].stride == 2 and cifar.features[1].stride == 3
    authors.eval()
    with torch.no_grad():
        out = authors((torch.rand(2, 32, 7, 7), ))
    assert out.shape == (2, 10)
