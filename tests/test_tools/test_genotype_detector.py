"""A genotype as a detector backbone: ``tools/genotype.py detector``.

The stages of a genotype (channels and strides), the FPN levels RetinaNet
and Mask R-CNN read from them, the written config (it loads with mmengine,
builds with mmdet and runs), the pretrained weights checked when it is
written, and the one-line errors (a CIFAR-stem classifier, a folder with
no annotations, DARTS' auxiliary head on too small a map).
"""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from ddarts_mm.apis.detector_config import (DetectorSpec, backbone_stages,
                                            build_detector_config, plan_neck)
from ddarts_mm.apis.genotype_cli import main
from ddarts_mm.models.backbones import DDartsNet
from ddarts_mm.search_space.genotype import Genotype
from ddarts_mm.search_space.sampling import random_genotype
from ddarts_mm.search_space.zoo import get_genotype

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
RETINANET_DEMO = osp.join(REPO, 'configs', 'demo',
                          'retinanet_do2-resnet18_fpn_demo-coco.py')
MASK_RCNN_DEMO = osp.join(REPO, 'configs', 'demo',
                          'mask-rcnn_do2-resnet18_fpn_demo-cityscapes.py')


def searched_like(tmp_path) -> str:
    """A 5-layer genotype in the demo search's layout (reductions 1, 3)."""
    genotype = random_genotype(5, 2, [1, 3], seed=4, search_space='S')
    return str(genotype.save(tmp_path / 'searched.json'))


def classifier_checkpoint(path, genotype, stem, layers=None) -> str:
    """A classifier's checkpoint as mmengine saves it: ``backbone.*``."""
    net = DDartsNet(genotype, 4, layers=layers, stem=stem)
    state = {f'backbone.{k}': v for k, v in net.state_dict().items()}
    state['head.fc.weight'] = torch.zeros(10, 4)
    torch.save(dict(state_dict=state, meta=dict(epoch=1)), path)
    return str(path)


# ------------------------------------------------------------------ stages
def test_stages_of_a_cifar_layout_genotype(tmp_path):
    """Grown to 8 layers (reductions 2, 5): 3 stages at strides 4, 8, 16,
    with 2 steps a cell 2C, 4C, 8C channels: what DDartsNet returns."""
    genotype = Genotype.load(searched_like(tmp_path))
    from ddarts_mm.search_space.grow import grow_genotype
    grown = grow_genotype(genotype, 8)
    stages = backbone_stages(grown, 8)
    assert stages.strides == [4, 8, 16]
    net = DDartsNet(grown, 8, stem='detection', out_indices=(0, 1, 2))
    outs = net(torch.zeros(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == stages.channels
    assert [64 // o.shape[-1] for o in outs] == stages.strides
    assert stages.layers == grown.stages()


def test_stages_of_do2_resnet18():
    stages = backbone_stages(get_genotype('DO-2-ResNet18'), 8)
    assert stages.strides == [4, 8, 16, 32]
    assert stages.channels == [32, 64, 128, 256]


def test_neck_plans():
    stages = backbone_stages(get_genotype('DO-2-ResNet18'), 8)
    retina = plan_neck(stages, 'retinanet')
    assert (retina.start_level, retina.out_strides) == (1, [8, 16, 32, 64,
                                                            128])
    mask = plan_neck(stages, 'mask-rcnn')
    assert (mask.start_level, mask.out_strides) == (0, [4, 8, 16, 32, 64])


# ------------------------------------------------------------------ config
@pytest.mark.parametrize('detector,base', [('retinanet', RETINANET_DEMO),
                                           ('mask-rcnn', MASK_RCNN_DEMO)])
def test_written_config_builds_and_runs(tmp_path, detector, base):
    """The written config loads (the base's init_cfg=None is replaced), its
    model builds with mmdet and its FPN levels are the anchors' strides."""
    from mmdet.registry import MODELS
    from mmengine.registry import init_default_scope
    genotype = searched_like(tmp_path)
    checkpoint = classifier_checkpoint(tmp_path / 'cls.pth', genotype,
                                       'detection', layers=8)
    spec = DetectorSpec(genotype, detector, 4, layers=8,
                        pretrained=checkpoint, base=base)
    written = build_detector_config(spec)
    assert '0 missing' in written.loaded
    path = tmp_path / 'det.py'
    path.write_text(written.text)
    cfg = Config.fromfile(str(path))
    backbone = cfg.model.backbone
    assert backbone.type == 'DDartsNet' and backbone.stem == 'detection'
    assert backbone.out_indices == (0, 1, 2)
    assert backbone.init_cfg.checkpoint == checkpoint
    assert cfg.model.neck.in_channels == written.stages.channels
    init_default_scope('mmdet')
    model = MODELS.build(cfg.model)
    model.init_weights()
    loaded = model.backbone.state_dict()
    source = torch.load(checkpoint, weights_only=True)['state_dict']
    for key, value in loaded.items():
        assert torch.equal(value, source[f'backbone.{key}']), key
    model.eval()
    feats = model.extract_feat(torch.zeros(1, 3, 128, 128))
    assert [128 // f.shape[-1] for f in feats] == written.neck.out_strides
    head = model.bbox_head if detector == 'retinanet' else model.rpn_head
    strides = [s[0] for s in head.prior_generator.strides]
    assert strides == written.neck.out_strides


def test_full_base_pretrained_init_cfg_is_replaced(tmp_path):
    """Our COCO config's backbone has a Pretrained init_cfg of
    DO-2-ResNet18: the written config names the user's file, from scratch
    None, and loads either way."""
    genotype = searched_like(tmp_path)
    for pretrained in (None, classifier_checkpoint(
            tmp_path / 'cls.pth', genotype, 'detection')):
        written = build_detector_config(
            DetectorSpec(genotype, 'retinanet', 4, pretrained=pretrained))
        path = tmp_path / 'det.py'
        path.write_text(written.text)
        cfg = Config.fromfile(str(path))
        init_cfg = cfg.model.backbone.init_cfg
        if pretrained is None:
            assert init_cfg is None and cfg.model.backbone.frozen_stages == -1
        else:
            assert init_cfg.checkpoint == pretrained
            assert cfg.model.backbone.frozen_stages == 1  # the base's


def test_cifar_stem_classifier_is_one_line(tmp_path, capsys):
    genotype = searched_like(tmp_path)
    checkpoint = classifier_checkpoint(tmp_path / 'cifar.pth', genotype,
                                       'cifar')
    status = main(['detector', genotype, '--detector', 'retinanet',
                   '--init-channels', '4', '--pretrained', checkpoint, '-o',
                   str(tmp_path / 'det.py')])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert 'trained with the CIFAR stem' in err and checkpoint in err
    assert "stem='detection'" in err
    assert not (tmp_path / 'det.py').exists()


def test_cli_writes_and_prints_what_it_chose(tmp_path, capsys):
    from ddarts_mm.datasets import make_coco_shapes
    data = make_coco_shapes(str(tmp_path / 'coco'), num_train=2, num_val=1,
                            image_size=(64, 64)).root
    genotype = searched_like(tmp_path)
    out = tmp_path / 'det.py'
    status = main(['detector', genotype, '--detector', 'retinanet',
                   '--init-channels', '4', '--layers', '8', '--data', data,
                   '--base', RETINANET_DEMO, '-o', str(out)])
    printed = capsys.readouterr().out
    assert status == 0, printed
    from ddarts_mm.search_space.grow import grow_genotype
    stages = backbone_stages(grow_genotype(Genotype.load(genotype), 8), 4)
    assert (f'stages       3 (0: {stages.channels[0]} ch @ stride 4, 1: '
            f'{stages.channels[1]} ch @ stride 8') in printed
    assert 'start_level 1' in printed and 'from scratch' in printed
    cfg = Config.fromfile(str(out))
    assert cfg.model.bbox_head.num_classes == 3
    dataset = cfg.train_dataloader.dataset
    assert dataset.data_root == data.rstrip('/') + '/'
    assert dataset.metainfo['classes'] == ('circle', 'square', 'triangle')
    assert cfg.val_evaluator.ann_file.startswith(data)


def test_folder_without_annotations_is_one_line(tmp_path, capsys):
    genotype = searched_like(tmp_path)
    status = main(['detector', genotype, '--detector', 'mask-rcnn',
                   '--init-channels', '4', '--data', str(tmp_path), '-o',
                   str(tmp_path / 'det.py')])
    err = capsys.readouterr().err
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert 'instances_train2017.json' in err and 'docs/detection.md' in err


def test_info_prints_stages(capsys):
    assert main(['info', 'DO-2-ResNet18', '--stem', 'detection',
                 '--init-channels', '8', '--input-size', '64']) == 0
    printed = capsys.readouterr().out
    assert 'stage 0      layers 0-0, 32 channels, stride 4' in printed
    assert 'stage 3      layers 3-3, 256 channels, stride 32' in printed


# --------------------------------------------------------------- aux head
def test_aux_head_on_a_small_map_names_itself():
    from ddarts_mm.models.heads import DartsAuxHead
    head = DartsAuxHead(num_classes=10, in_channels=144)
    with pytest.raises(ValueError) as info:
        head((torch.zeros(2, 144, 2, 2), ))
    message = str(info.value)
    assert message.startswith('DartsAuxHead (model.aux_head)')
    assert '144x2x2' in message and '8x8' in message
    assert head((torch.zeros(2, 144, 8, 8), )).shape == (2, 10)


def test_detection_stem_retraining_config_has_no_aux_head():
    cfg = Config.fromfile(osp.join(
        REPO, 'configs', 'classification',
        'ddarts-searched_8l-c36_detection-stem_custom-folder.py'))
    assert cfg.model.backbone.stem == 'detection'
    assert cfg.model.aux_head is None and cfg.model.auxiliary_weight == 0
    crops = [t for t in cfg.train_dataloader.dataset.pipeline
             if t['type'] == 'RandomCrop']
    assert crops[0]['crop_size'] == 64


def test_detection_stem_imagenet_retraining_config():
    """The ImageNet retraining of a searched genotype for detection: the
    detection stem, 8 layers at C=36 and DARTS' auxiliary head on the last
    reduction (14x14 at 224x224), which the network built from it reads."""
    cfg = Config.fromfile(osp.join(
        REPO, 'configs', 'classification',
        'ddarts-searched_8l-c36_detection-stem_imagenet.py'))
    backbone = cfg.model.backbone
    assert (backbone.stem, backbone.layers, backbone.init_channels) == (
        'detection', 8, 36)
    assert cfg.model.aux_head is not None and cfg.model.aux_layer is None
    genotype = random_genotype(8, 4, [2, 5], seed=0, search_space='S')
    net = DDartsNet(genotype, 4, layers=8, stem='detection',
                    out_indices=(0, 1, 2))
    outs = net(torch.zeros(1, 3, 224, 224))
    assert outs[-1].shape[-1] == 14  # the aux head's input, >= its 7x7
