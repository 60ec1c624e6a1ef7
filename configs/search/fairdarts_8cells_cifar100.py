# FairDARTS on CIFAR-100; see fairdarts_8cells_cifar10.py.
_base_ = [
    '../_base_/models/fairdarts_supernet_8cells.py',
    '../_base_/datasets/cifar100_search.py',
    '../_base_/schedules/search_50e.py',
    '../_base_/search_runtime.py',
]
model = dict(num_classes=100)
custom_hooks = [
    dict(type='SafeCheckpointHook'),
    dict(type='AblationScheduleHook', interval=1),
    dict(type='AblationLogHook'),
    dict(type='GenotypeHook', methods=['sparse', 'darts', 'edge'],
         threshold=0.85),
]
