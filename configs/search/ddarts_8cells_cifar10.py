# D-DARTS search on CIFAR-10 (paper, Sec. 5.1/5.3): 8 cells, each with its
# own alpha, Adam optimizer, cosine schedule and loss L_T^i (Eq. 8); 50
# epochs; genotypes parsed with darts/sparse/edge (t = 0.85) every epoch.
_base_ = [
    '../_base_/models/ddarts_supernet_8cells.py',
    '../_base_/datasets/cifar10_search.py',
    '../_base_/schedules/search_50e.py',
    '../_base_/search_runtime.py',
]
