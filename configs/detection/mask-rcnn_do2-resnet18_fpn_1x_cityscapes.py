# Mask R-CNN with the DO-2-ResNet18 backbone (D-DARTS paper, Table 5) on
# Cityscapes, the recipe of mmdet's mask-rcnn_r50_fpn_1x_cityscapes.py: data
# from data/cityscapes/ converted to COCO json by mmdet's converter,
# 2048x[800-1024] multi-scale training, 8 epochs of the train set repeated 8
# times, SGD lr 0.01 for 8 GPUs x 1 image; box and mask AP by CocoMetric and
# the official cityscapesscripts evaluation by CityScapesMetric.
#
# Differences from mmdet's R50 config: the backbone, the FPN input channels,
# and the start point: mmdet's config fine-tunes a COCO-trained Mask R-CNN
# R50 (load_from); this one and its ResNet18 twin start from ImageNet
# backbones, so that the two compare backbones only.
_base_ = [
    'mmdet::cityscapes/mask-rcnn_r50_fpn_1x_cityscapes.py',
    '../_base_/models/do2_resnet18_detection.py'
]

# ddarts_mm.evaluation: cityscapesscripts' evaluation with numpy >= 2.4
custom_imports = dict(
    imports=[
        'ddarts_mm.models.backbones', 'ddarts_mm.evaluation',
        'ddarts_mm.engine.hooks'
    ],
    allow_failed_imports=False)
# checkpoints that mmdet's own tools/test.py reads: torch.load's default
# weights_only=True refuses mmengine's (their message hub pickles objects)
# checkpoints written whole (a kill leaves the last one intact) and read
# with torch.load(weights_only=True), random states included
default_hooks = dict(checkpoint=dict(type='ddarts_mm.AtomicCheckpointHook'))
custom_hooks = [dict(type='ddarts_mm.SafeCheckpointHook')]

model = dict(
    backbone={{_base_.do2_resnet18_backbone}},
    neck=dict(in_channels={{_base_.do2_resnet18_channels}}))

load_from = None
# mmdet's Cityscapes lr (0.01) is for 8 GPUs x 1 image (its own note); the
# default runtime says 16, which --auto-scale-lr would read
auto_scale_lr = dict(base_batch_size=8)

data_root = 'data/cityscapes/'
val_evaluator = [
    dict(
        type='CocoMetric',
        ann_file=data_root +
        'annotations/instancesonly_filtered_gtFine_val.json',
        metric=['bbox', 'segm']),
    dict(
        type='CityScapesMetric',
        seg_prefix=data_root + 'gtFine/val',
        # per config, so that the twins can be evaluated side by side
        outfile_prefix='./work_dirs/cityscapes_metric/'
        'mask-rcnn_do2-resnet18_fpn_1x_cityscapes')
]
test_evaluator = val_evaluator
