# DO-2-ResNet18 (the D-DARTS paper's detection backbone, Tables 4 and 5)
# as configs/detection/*_do2-resnet18_fpn_* plug it into mmdet's detectors:
# the stage outputs of the detection stem (strides 4, 8, 16, 32), the first
# stage frozen, BN in eval mode, initialised from our ImageNet classifier.
# A detection config lists this file after its mmdet base and writes
#   model = dict(backbone={{_base_.do2_resnet18_backbone}},
#                neck=dict(in_channels={{_base_.do2_resnet18_channels}}))
# (a base cannot hold `model` next to mmdet's: duplicate keys among bases).
do2_resnet18_backbone = dict(
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
        prefix='backbone.'))
# = DDartsNet('DO-2-ResNet18', 64, stem='detection').out_channels
do2_resnet18_channels = [256, 512, 1024, 2048]
