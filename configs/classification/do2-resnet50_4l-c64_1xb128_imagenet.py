# DO-2-ResNet50 on ImageNet (the paper's Table 3) with the DARTS mobile
# recipe, C=64 and the detection stem, as
# do2-resnet18_4l-c64_1xb128_imagenet.py.
_base_ = [
    '../_base_/models/ddarts_net_imagenet.py',
    '../_base_/datasets/imagenet_darts.py',
    '../_base_/schedules/imagenet_250e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        genotype='ResNet50_cifar100_threshold_sparse_0.85',
        init_channels=64,
        layers=None,
        stem='detection'),
    aux_layer=2)
