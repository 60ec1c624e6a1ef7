# D-DARTS search directly on ImageNet (paper, Sec. 5.4): 8 cells, ImageNet
# stem, 224x224 inputs, batch 96 per GPU.
_base_ = [
    '../_base_/models/ddarts_supernet_8cells.py',
    '../_base_/datasets/imagenet_search.py',
    '../_base_/schedules/search_50e.py',
    '../_base_/search_runtime.py',
]
model = dict(num_classes=1000, stem='imagenet')
default_hooks = dict(logger=dict(interval=100))
