# Mask R-CNN with DO-2-ResNet50 from the D-DARTS authors' ImageNet weights,
# converted as in retinanet_do2-resnet50-authors_fpn_1x_coco.py; the twin of
# mask-rcnn_do2-resnet18-authors_fpn_1x_cityscapes.py.
_base_ = ['./mask-rcnn_do2-resnet18-authors_fpn_1x_cityscapes.py']

model = dict(
    backbone=dict(
        genotype='ResNet50_cifar100_threshold_sparse_0.85',
        init_cfg=dict(
            checkpoint='checkpoints/do2-resnet50_authors_imagenet.pth')),
    neck=dict(in_channels=[384, 768, 1536, 3072]))
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
        'mask-rcnn_do2-resnet50-authors_fpn_1x_cityscapes')
]
test_evaluator = val_evaluator
