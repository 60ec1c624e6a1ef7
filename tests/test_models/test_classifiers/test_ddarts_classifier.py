"""DDartsClassifier: auxiliary loss in training, predict without it."""
from unittest.mock import Mock

import pytest
import torch
import torch.nn.functional as F

pytest.importorskip('mmpretrain')

from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS  # noqa: E402
from mmpretrain.structures import DataSample  # noqa: E402

from ddarts_mm.models.backbones import DDartsNet  # noqa: E402
from ddarts_mm.models.classifiers import DDartsClassifier  # noqa: E402
from ddarts_mm.models.heads import DartsAuxHead  # noqa: E402
from ddarts_mm.registry import MODELS  # noqa: E402
from ddarts_mm.search_space.genotype import Gene, Genotype  # noqa: E402
from helpers import (DARTS_V2_NORMAL, darts_v2, edges_of,  # noqa: E402
                     fairdarts_a, num_params)

def classifier_cfg(genotype: Genotype, channels: int, num_classes: int = 10,
                   aux: bool = True, **backbone) -> dict:
    return dict(
        type='DDartsClassifier',
        backbone=dict(type='DDartsNet', genotype=genotype.to_dict(),
                      init_channels=channels, **backbone),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='LinearClsHead', num_classes=num_classes),
        aux_head=dict(type='DartsAuxHead') if aux else None,
        auxiliary_weight=0.4)


def samples(labels):
    return [DataSample().set_gt_label(int(label)) for label in labels]


def test_build_fills_channels_and_classes():
    model = MMPRETRAIN_MODELS.build(classifier_cfg(darts_v2(), 8))
    assert isinstance(model, DDartsClassifier)
    assert isinstance(model.backbone, DDartsNet)
    assert isinstance(model.aux_head, DartsAuxHead)
    assert model.head.in_channels == model.backbone.out_channels[-1] == 128
    # The last reduction layer (5) feeds the auxiliary head.
    assert model.aux_layer == 5
    assert model.aux_head.in_channels == model.backbone.layer_channels[5]
    assert model.aux_head.num_classes == 10
    # Our registry, with and without prefix.
    assert isinstance(MODELS.build(classifier_cfg(darts_v2(), 8)),
                      DDartsClassifier)
    cfg = classifier_cfg(darts_v2(), 8)
    cfg['type'] = 'ddarts_mm.DDartsClassifier'
    assert isinstance(MMPRETRAIN_MODELS.build(cfg), DDartsClassifier)


def test_loss_has_weighted_aux_loss_and_gradients():
    torch.manual_seed(0)
    model = MMPRETRAIN_MODELS.build(classifier_cfg(darts_v2(), 8)).train()
    inputs = torch.rand(4, 3, 32, 32)
    labels = torch.tensor([0, 3, 7, 9])
    losses = model(inputs, samples(labels), mode='loss')
    assert set(losses) == {'loss', 'loss_aux'}
    layers = model.backbone.forward_layers(inputs)
    expected = 0.4 * F.cross_entropy(model.aux_head((layers[5], )), labels)
    torch.testing.assert_close(losses['loss_aux'], expected)
    (losses['loss'] + losses['loss_aux']).backward()
    for name, param in model.named_parameters():
        assert param.grad is not None, name
        assert torch.isfinite(param.grad).all(), name


def test_predict_and_tensor_ignore_aux_head():
    torch.manual_seed(0)
    model = MMPRETRAIN_MODELS.build(classifier_cfg(darts_v2(), 8)).eval()
    model.aux_head.forward = Mock(side_effect=AssertionError('aux called'))
    inputs = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        preds = model(inputs, samples([1, 2]), mode='predict')
        logits = model(inputs, mode='tensor')
    assert len(preds) == 2 and preds[0].pred_score.shape == (10, )
    assert logits.shape == (2, 10)
    torch.testing.assert_close(
        torch.stack([p.pred_score for p in preds]), logits.softmax(1))


def test_without_aux_head():
    model = MMPRETRAIN_MODELS.build(
        classifier_cfg(darts_v2(), 8, aux=False)).train()
    assert not model.with_aux_head
    losses = model(torch.rand(2, 3, 32, 32), samples([0, 1]), mode='loss')
    assert set(losses) == {'loss'}


def test_aux_layer_validation():
    cfg = classifier_cfg(darts_v2(), 8)
    cfg['aux_layer'] = 8
    with pytest.raises(ValueError, match='aux_layer 8'):
        MMPRETRAIN_MODELS.build(cfg)
    flat = Genotype([Gene(edges_of(DARTS_V2_NORMAL), [2, 3, 4, 5])], [0, 0],
                    [])
    with pytest.raises(ValueError, match='no reduction'):
        MMPRETRAIN_MODELS.build(classifier_cfg(flat, 8))


def test_darts_v2_cifar10_params_match_darts():
    """DARTS: 3.349342 MB for DARTS_V2, C=36, 20 layers, without aux head."""
    model = MMPRETRAIN_MODELS.build(classifier_cfg(darts_v2(20), 36))
    assert model.aux_layer == 13
    aux = num_params(model.aux_head)
    assert num_params(model) - aux == 3_349_342
    # DARTS' AuxiliaryHeadCIFAR on 576 channels.
    assert aux == 576 * 128 + 2 * 128 + 128 * 768 * 4 + 2 * 768 + 768 * 10 + 10


def test_fairdarts_a_cifar10_params_with_aux_head():
    """FairDARTS publishes 2.83M (its count includes the auxiliary head)."""
    model = MMPRETRAIN_MODELS.build(classifier_cfg(fairdarts_a(20), 36))
    assert num_params(model) - num_params(model.aux_head) == 2_360_782
    assert num_params(model) == 2_837_208


def test_pretrained_backbone_from_classifier_checkpoint(tmp_path):
    torch.manual_seed(0)
    model = MMPRETRAIN_MODELS.build(classifier_cfg(darts_v2(), 8))
    for param in model.parameters():
        torch.nn.init.normal_(param)
    path = tmp_path / 'classifier.pth'
    torch.save({'state_dict': model.state_dict()}, path)
    backbone = DDartsNet(
        darts_v2(),
        8,
        init_cfg=dict(type='Pretrained', checkpoint=str(path),
                      prefix='backbone.'))
    backbone.init_weights()
    source = model.backbone.state_dict()
    for key, value in backbone.state_dict().items():
        torch.testing.assert_close(value, source[key], msg=key)
