# CIFAR-10 with DARTS' training augmentation (mmpretrain's CIFAR10 reading
# data/cifar10/cifar-10-batches-py): random crop 32 with padding 4,
# horizontal flip, cutout 16 (mmpretrain's Cutout, always applied; the hole
# is filled with the mean colour, i.e. 0 after normalisation as in DARTS),
# DARTS' normalisation; batch 128 per GPU; top-1 on the test split.
dataset_type = 'CIFAR10'
data_root = 'data/cifar10'
# DARTS' CIFAR_MEAN / CIFAR_STD times 255
mean = [125.307, 122.950, 113.865]
std = [62.993, 62.089, 66.705]
data_preprocessor = dict(
    num_classes=10, mean=mean, std=std, to_rgb=False)  # pickles are RGB

train_pipeline = [
    dict(type='RandomCrop', crop_size=32, padding=4),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='Cutout', shape=16, pad_val=(125, 123, 114), prob=1.0),
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
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
