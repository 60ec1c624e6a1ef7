# DARTOpti: optimise Xception (encoded in S_o) with D-DARTS on CIFAR-10.
# 13 layers and 3 distinct genes: 3 arch optimizers, not 13.
_base_ = [
    '../_base_/models/dartopti_supernet.py',
    '../_base_/datasets/cifar10_search.py',
    '../_base_/schedules/dartopti_search_50e.py',
    '../_base_/search_runtime.py',
]
model = dict(genotype='Xception')
