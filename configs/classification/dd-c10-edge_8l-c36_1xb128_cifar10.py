# D-DARTS, searched on CIFAR-10 (8 cells, L_T, edge parsing t=0.85: up to
# two ops per edge; the authors' genotype), trained as searched: 8 layers,
# C=36, on CIFAR-10 with the DARTS recipe.
_base_ = [
    '../_base_/models/ddarts_net_cifar.py',
    '../_base_/datasets/cifar10_darts.py',
    '../_base_/schedules/cifar_600e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        genotype='D-DARTS_threshold_edge_cifar10_0.85_50', layers=8))
