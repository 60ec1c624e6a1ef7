# RetinaNet with the DO-2-ResNet18 backbone (D-DARTS paper, Table 4) on
# COCO 2017, the recipe of mmdet's retinanet_r18_fpn_1x_coco.py: data from
# data/coco/, 1333x800, 12 epochs, SGD lr 0.01 for 8 GPUs x 2 images, box AP
# by CocoMetric. Only the backbone and the FPN input channels differ.
_base_ = 'mmdet::retinanet/retinanet_r18_fpn_1x_coco.py'

custom_imports = dict(
    imports=['ddarts_mm.models.backbones'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='DDartsNet',
        genotype='DO-2-ResNet18',
        init_channels=64,  # stage channels 256, 512, 1024, 2048
        stem='detection',  # stage strides 4, 8, 16, 32
        out_indices=(0, 1, 2, 3),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        init_cfg=dict(
            type='Pretrained',
            # our ImageNet classifier (configs/classification/); only keys
            # under 'backbone.' are loaded
            checkpoint='checkpoints/do2-resnet18_imagenet.pth',
            prefix='backbone.')),
    # = DDartsNet('DO-2-ResNet18', 64, stem='detection').out_channels
    neck=dict(in_channels=[256, 512, 1024, 2048]))
