# RetinaNet with DO-2-ResNet50 (the DARTOpti ResNet50 optimised on
# CIFAR-100, genotype ResNet50_cifar100_threshold_sparse_0.85) from the
# D-DARTS authors' ImageNet weights (best_models/DO-2-ResNet50_ImageNet
# .pth.tar, 76.3% top-1), converted first (docs/pretrained.md):
#
#   python tools/model_converters/ddarts_to_mm.py \
#       DO-2-ResNet50_ImageNet.pth.tar \
#       checkpoints/do2-resnet50_authors_imagenet.pth \
#       --genotype ResNet50_cifar100_threshold_sparse_0.85 --stem detection \
#       --init-channels 64
#
# The twin of retinanet_do2-resnet18-authors_fpn_1x_coco.py (12 epochs).
_base_ = ['./retinanet_do2-resnet18-authors_fpn_1x_coco.py']

model = dict(
    backbone=dict(
        genotype='ResNet50_cifar100_threshold_sparse_0.85',
        init_cfg=dict(
            checkpoint='checkpoints/do2-resnet50_authors_imagenet.pth')),
    # 6 nodes per cell: DDartsNet(...).out_channels
    neck=dict(in_channels=[384, 768, 1536, 3072]))
