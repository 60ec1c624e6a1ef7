# D-DARTS, searched on CIFAR-100 (8 cells, w_ab=0.5, w01=7, edge parsing
# t=0.85; the authors' genotype), trained as searched: 8 layers, C=36, on
# CIFAR-100 with the DARTS recipe.
_base_ = [
    '../_base_/models/ddarts_net_cifar.py',
    '../_base_/datasets/cifar100_darts.py',
    '../_base_/schedules/cifar_600e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        genotype='D-DARTS_threshold_edge_abl0.5_fair7_cifar100_0.85_50',
        layers=8),
    head=dict(num_classes=100, topk=(1, 5)))
