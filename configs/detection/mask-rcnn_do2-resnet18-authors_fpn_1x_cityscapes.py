# Mask R-CNN with DO-2-ResNet18 (D-DARTS paper, Table 5: mmdet's Cityscapes
# schedule) starting from the D-DARTS authors' ImageNet weights, converted
# as in retinanet_do2-resnet18-authors_fpn_1x_coco.py (docs/pretrained.md).
# Everything else is mask-rcnn_do2-resnet18_fpn_1x_cityscapes.py.
_base_ = ['./mask-rcnn_do2-resnet18_fpn_1x_cityscapes.py']

model = dict(
    backbone=dict(
        layout='authors',
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/do2-resnet18_authors_imagenet.pth',
            prefix='backbone.')))
val_evaluator = [
    dict(
        type='CocoMetric',
        ann_file='data/cityscapes/'
        'annotations/instancesonly_filtered_gtFine_val.json',
        metric=['bbox', 'segm']),
    dict(
        type='CityScapesMetric',
        seg_prefix='data/cityscapes/gtFine/val',
        outfile_prefix='./work_dirs/cityscapes_metric/'
        'mask-rcnn_do2-resnet18-authors_fpn_1x_cityscapes')
]
test_evaluator = val_evaluator
