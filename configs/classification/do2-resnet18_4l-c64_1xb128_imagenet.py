# DO-2-ResNet18 on ImageNet (the paper's Table 3) with the DARTS mobile
# recipe, C=64 and the detection stem (ResNet's: stride 4, then strides 8,
# 16, 32 at the three reductions). Its checkpoint is the backbone the
# detection configs load: copy work_dirs/<this config>/epoch_250.pth (or the
# best one) to checkpoints/do2-resnet18_imagenet.pth; they read the keys
# under 'backbone.'.
_base_ = [
    '../_base_/models/ddarts_net_imagenet.py',
    '../_base_/datasets/imagenet_darts.py',
    '../_base_/schedules/imagenet_250e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        genotype='DO-2-ResNet18',
        init_channels=64,
        layers=None,
        stem='detection'),
    # the last reduction is the last layer: the auxiliary head reads the
    # layer before it (stride 16, as DARTS' head reads a 2/3-depth cell)
    aux_layer=2)
