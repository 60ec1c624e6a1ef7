# DARTS (first order) on CIFAR-10, the baseline of the paper's tables:
# softmax-mixed supernet over DARTS' 8 operations (Eq. 1), one alpha shared
# by the normal cells and one by the reduction cells, DARTS' optimizers
# (_base_/schedules/darts_search_50e.py), batch 64.
_base_ = [
    '../_base_/models/darts_supernet_8cells.py',
    '../_base_/datasets/cifar10_search.py',
    '../_base_/schedules/darts_search_50e.py',
    '../_base_/search_runtime.py',
]
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
