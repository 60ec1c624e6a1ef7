# DARTOpti: optimise ResNet50 (encoded in S_o) with D-DARTS on CIFAR-10.
# 4 layers, 3 distinct genes (3-4-6-3 blocks), 6 steps.
_base_ = [
    '../_base_/models/dartopti_supernet.py',
    '../_base_/datasets/cifar10_search.py',
    '../_base_/schedules/dartopti_search_50e.py',
    '../_base_/search_runtime.py',
]
model = dict(genotype='ResNet50')
