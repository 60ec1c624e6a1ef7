# CIFAR-100 with DARTS' training augmentation (mmpretrain's CIFAR100 reading
# data/cifar100/cifar-100-python): random crop 32 with padding 4,
# horizontal flip, cutout 16 (filled with the mean colour, 0 after
# normalisation), CIFAR-100 statistics; batch 128 per GPU; top-1 and top-5.
dataset_type = 'CIFAR100'
data_root = 'data/cifar100'
mean = [129.304, 124.070, 112.434]
std = [68.170, 65.392, 70.418]
data_preprocessor = dict(
    num_classes=100, mean=mean, std=std, to_rgb=False)

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='Cutout', shape=16, pad_val=(129, 124, 112), prob=1.0),
    dict(type='PackInputs'),
]
test_pipeline = [dict(type='PackInputs')]

train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
