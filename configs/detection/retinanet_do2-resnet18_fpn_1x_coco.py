# RetinaNet with the DO-2-ResNet18 backbone (D-DARTS paper, Table 4) on
# COCO 2017, the recipe of mmdet's retinanet_r18_fpn_1x_coco.py: data from
# data/coco/, 1333x800, 12 epochs, SGD lr 0.01 for 8 GPUs x 2 images, box AP
# by CocoMetric. Only the backbone and the FPN input channels differ.
_base_ = [
    'mmdet::retinanet/retinanet_r18_fpn_1x_coco.py',
    '../_base_/models/do2_resnet18_detection.py'
]

custom_imports = dict(
    imports=['ddarts_mm.models.backbones', 'ddarts_mm.engine.hooks'],
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
