# DO-2-ResNet50 on ImageNet (the paper's Table 3) with the DARTS mobile
# recipe; everything else (C=64, the detection stem, auxiliary head on
# layer 2) as do2-resnet18_4l-c64_1xb128_imagenet.py.
_base_ = ['./do2-resnet18_4l-c64_1xb128_imagenet.py']

model = dict(
    backbone=dict(genotype='ResNet50_cifar100_threshold_sparse_0.85'))
