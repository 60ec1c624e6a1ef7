# The ResNet18 twin of mask-rcnn_do2-resnet18_fpn_1x_cityscapes.py: mmdet's
# Mask R-CNN Cityscapes recipe with mmdet's ResNet18 (torchvision's ImageNet
# weights). mmdet ships no R18 Cityscapes config; this is its R50 one with
# depth 18, as retinanet_r18_fpn_1x_coco.py does for RetinaNet.
_base_ = 'mmdet::cityscapes/mask-rcnn_r50_fpn_1x_cityscapes.py'

# cityscapesscripts' evaluation with numpy >= 2.4
custom_imports = dict(
    imports=['ddarts_mm.evaluation', 'ddarts_mm.engine.hooks'],
    allow_failed_imports=False)
# checkpoints that mmdet's own tools/test.py reads: torch.load's default
# weights_only=True refuses mmengine's (their message hub pickles objects)
# checkpoints written whole (a kill leaves the last one intact) and read
# with torch.load(weights_only=True), random states included
default_hooks = dict(checkpoint=dict(type='ddarts_mm.AtomicCheckpointHook'))
custom_hooks = [dict(type='ddarts_mm.SafeCheckpointHook')]

model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(
            _delete_=True,  # None in the base: mmdet starts from load_from
            type='Pretrained',
            checkpoint='torchvision://resnet18')),
    neck=dict(in_channels=[64, 128, 256, 512]))

load_from = None  # start from ImageNet, as the DO-2-ResNet18 twin
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
        outfile_prefix='./work_dirs/cityscapes_metric/'
        'mask-rcnn_r18_fpn_1x_cityscapes')
]
test_evaluator = val_evaluator
