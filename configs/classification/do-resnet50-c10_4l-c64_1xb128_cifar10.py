# DARTOpti ResNet50 optimised on CIFAR-10 (S_o, 6 steps, sparse parsing
# t=0.85; the authors' genotype), trained on CIFAR-10 with the DARTS recipe;
# 4 layers, C=64.
_base_ = [
    '../_base_/models/ddarts_net_cifar.py',
    '../_base_/datasets/cifar10_darts.py',
    '../_base_/schedules/cifar_600e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        genotype='ResNet50_cifar10_threshold_sparse_0.85',
        init_channels=64,
        layers=None),
    # reductions at 1, 2, 3: the auxiliary head reads layer 2 (8x8), as
    # DARTS' reads the 8x8 output of its second reduction
    aux_layer=2)
