# Evaluate the D-DARTS authors' DO-2-ResNet50 ImageNet model (their
# best_models/DO-2-ResNet50_ImageNet.pth.tar, 76.3% top-1 in the paper's
# Table 3) as they evaluate it; convert it first (docs/pretrained.md):
#
#   python tools/model_converters/ddarts_to_mm.py \
#       DO-2-ResNet50_ImageNet.pth.tar \
#       checkpoints/do2-resnet50_authors_imagenet.pth \
#       --genotype ResNet50_cifar100_threshold_sparse_0.85 --stem detection \
#       --init-channels 64
_base_ = ['./do2-resnet18_authors-eval_imagenet.py']

model = dict(
    backbone=dict(genotype='ResNet50_cifar100_threshold_sparse_0.85'))
load_from = 'checkpoints/do2-resnet50_authors_imagenet.pth'
