# DARTOpti ResNet50 optimised on CIFAR-10 (S_o, 6 steps, sparse parsing
# t=0.85; the authors' genotype), trained on CIFAR-10 with the DARTS recipe;
# everything else (4 layers, C=64, auxiliary head on layer 2) as its
# ResNet18 sibling.
_base_ = ['./do-resnet18-c10_4l-c64_1xb128_cifar10.py']

model = dict(
    backbone=dict(genotype='ResNet50_cifar10_threshold_sparse_0.85'))
