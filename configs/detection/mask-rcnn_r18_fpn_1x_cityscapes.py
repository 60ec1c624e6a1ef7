# The ResNet18 twin of mask-rcnn_do2-resnet18_fpn_1x_cityscapes.py: mmdet's
# Mask R-CNN Cityscapes recipe with mmdet's ResNet18 (torchvision's ImageNet
# weights). mmdet ships no R18 Cityscapes config; this is its R50 one with
# depth 18, as retinanet_r18_fpn_1x_coco.py does for RetinaNet.
_base_ = 'mmdet::cityscapes/mask-rcnn_r50_fpn_1x_cityscapes.py'

model = dict(
    backbone=dict(
        depth=18,
        init_cfg=dict(
            _delete_=True,  # None in the base: mmdet starts from load_from
            type='Pretrained',
            checkpoint='torchvision://resnet18')),
    neck=dict(in_channels=[64, 128, 256, 512]))

load_from = None  # start from ImageNet, as the DO-2-ResNet18 twin

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
