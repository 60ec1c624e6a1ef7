# DARTOpti: optimise ResNet50 (encoded in S_o) with D-DARTS on CIFAR-100.
_base_ = [
    '../_base_/models/dartopti_supernet.py',
    '../_base_/datasets/cifar100_search.py',
    '../_base_/schedules/dartopti_search_50e.py',
    '../_base_/search_runtime.py',
]
model = dict(genotype='ResNet50', num_classes=100)
