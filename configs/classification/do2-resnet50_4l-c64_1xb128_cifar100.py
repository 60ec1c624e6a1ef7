# DO-2-ResNet50: DARTOpti ResNet50 optimised on CIFAR-100 (S_o, 6 steps,
# sparse parsing t=0.85; the authors' genotype), trained on CIFAR-100 with
# the DARTS recipe; 4 layers, C=64.
_base_ = [
    '../_base_/models/ddarts_net_cifar.py',
    '../_base_/datasets/cifar100_darts.py',
    '../_base_/schedules/cifar_600e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        genotype='ResNet50_cifar100_threshold_sparse_0.85',
        init_channels=64,
        layers=None),
    head=dict(num_classes=100, topk=(1, 5)),
    # reductions at 1, 2, 3: the auxiliary head reads layer 2 (8x8)
    aux_layer=2)
