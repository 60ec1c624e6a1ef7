# Evaluate a DO-2-ResNet18 trained on CIFAR-100 by the D-DARTS authors'
# train.py (NetworkCIFAR, --init_channels 64, the genotype's 4 layers) after
# conversion (docs/pretrained.md):
#
#   python tools/model_converters/ddarts_to_mm.py model_best.pth.tar \
#       checkpoints/do2-resnet18_authors_cifar100.pth \
#       --genotype DO-2-ResNet18 --stem cifar --init-channels 64
#
# Their CIFAR validation transform (utils.py: ToTensor, Normalize with the
# CIFAR-100 mean and std) is cifar100_darts.py's test pipeline already.
# Test only. For CIFAR-10 use '../_base_/datasets/cifar10_darts.py' and
# head num_classes=10.
_base_ = [
    '../_base_/models/do2_resnet18_authors_eval.py',
    '../_base_/datasets/cifar100_darts.py',
    '../_base_/default_runtime.py',
]

model = dict(backbone=dict(stem='cifar'), head=dict(num_classes=100))
load_from = 'checkpoints/do2-resnet18_authors_cifar100.pth'
