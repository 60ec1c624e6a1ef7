# DO-2-ResNet50: DARTOpti ResNet50 optimised on CIFAR-100 (S_o, 6 steps,
# sparse parsing t=0.85; the authors' genotype), trained on CIFAR-100 with
# the DARTS recipe; everything else (4 layers, C=64, auxiliary head on
# layer 2) as do2-resnet18_4l-c64_1xb128_cifar100.py.
_base_ = ['./do2-resnet18_4l-c64_1xb128_cifar100.py']

model = dict(
    backbone=dict(genotype='ResNet50_cifar100_threshold_sparse_0.85'))
