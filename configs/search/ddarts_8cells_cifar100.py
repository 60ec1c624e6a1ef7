# D-DARTS search on CIFAR-100 (paper, Sec. 5.1/5.3).
_base_ = [
    '../_base_/models/ddarts_supernet_8cells.py',
    '../_base_/datasets/cifar100_search.py',
    '../_base_/schedules/search_50e.py',
    '../_base_/search_runtime.py',
]
model = dict(num_classes=100)
