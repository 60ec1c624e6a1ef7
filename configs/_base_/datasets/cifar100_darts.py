# CIFAR-100 with DARTS' training augmentation: as cifar10_darts.py
# (mmpretrain's CIFAR100 reading data/cifar100/cifar-100-python) with the
# CIFAR-100 statistics (also those of cifar100_search.py), the Cutout hole
# filled with their mean colour, and top-1 and top-5.
_base_ = ['./cifar10_darts.py']

dataset_type = 'CIFAR100'
data_root = 'data/cifar100'
mean = [129.304, 124.070, 112.434]
std = [68.170, 65.392, 70.418]
data_preprocessor = dict(num_classes=100, mean=mean, std=std)

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='Cutout', shape=16, pad_val=(129, 124, 112), prob=1.0),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    dataset=dict(
        type=dataset_type, data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
