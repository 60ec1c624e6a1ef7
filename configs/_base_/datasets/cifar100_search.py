# CIFAR-100 for a D-DARTS search: as cifar10_search.py, on data/cifar100.
_base_ = ['./cifar10_search.py']

dataset_type = 'mmpretrain.CIFAR100'
data_root = 'data/cifar100'
data_preprocessor = dict(
    num_classes=100,
    mean=[129.304, 124.070, 112.434],
    std=[68.170, 65.392, 70.418])

train_set = dict(type=dataset_type, data_root=data_root)
train_dataloader = dict(dataset=dict(dataset=train_set))
arch_dataloader = dict(dataset=dict(dataset=train_set))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
