# DARTOpti: optimise ResNet18 (encoded in S_o) with D-DARTS on CIFAR-10.
# 4 layers sharing one gene: a single alpha set and optimizer.
_base_ = [
    '../_base_/models/dartopti_supernet.py',
    '../_base_/datasets/cifar10_search.py',
    '../_base_/schedules/dartopti_search_50e.py',
    '../_base_/search_runtime.py',
]
model = dict(genotype='ResNet18')
