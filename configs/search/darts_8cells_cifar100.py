# DARTS (first order) on CIFAR-100: as darts_8cells_cifar10.py.
_base_ = [
    '../_base_/models/darts_supernet_8cells.py',
    '../_base_/datasets/cifar100_search.py',
    '../_base_/schedules/darts_search_50e.py',
    '../_base_/search_runtime.py',
]
model = dict(num_classes=100)
train_dataloader = dict(batch_size=64)
arch_dataloader = dict(batch_size=64)
auto_scale_lr = dict(base_batch_size=64)
# DARTS parses one way: two inputs per node, the strongest op (no `none`)
custom_hooks = [
    dict(type='SafeCheckpointHook'),
    dict(type='AblationScheduleHook', interval=1),
    dict(type='AblationLogHook'),
    dict(type='GenotypeHook', methods=['darts']),
]
