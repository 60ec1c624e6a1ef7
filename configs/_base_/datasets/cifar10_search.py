# CIFAR-10 for a D-DARTS search (mmpretrain's CIFAR10 reading data/cifar10).
# The 50,000 training images are split in two halves by SplitDataset (a
# random permutation seeded by the run's randomness.seed, stratified by
# class: 2,500 images of each class in each half): one trains the supernet
# weights (train_dataloader), the other the architecture (arch_dataloader,
# read by BilevelSearchLoop); validation uses the test split. DARTS' split
# in file order: shuffle=False in both SplitDataset dicts. Batch 72 per
# GPU (reference default; the paper reports 128 on CIFAR): the batch the
# search schedule's weights lr is for (--auto-scale-lr). Normalisation:
# DARTS' CIFAR_MEAN / CIFAR_STD times 255, the same in its search and
# training (and in cifar10_darts.py).
dataset_type = 'mmpretrain.CIFAR10'
data_root = 'data/cifar10'
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=10,
    mean=[125.307, 122.950, 113.865],
    std=[62.993, 62.089, 66.705],
    to_rgb=False)

train_pipeline = [
    dict(type='mmpretrain.RandomCrop', crop_size=32, padding=4),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [dict(type='mmpretrain.PackInputs')]

train_set = dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=72,
    num_workers=2,
    dataset=dict(type='ddarts_mm.SplitDataset', dataset=train_set,
                 split='weights', ratio=0.5),
    sampler=dict(type='DefaultSampler', shuffle=True))
arch_dataloader = dict(
    batch_size=72,
    num_workers=2,
    dataset=dict(type='ddarts_mm.SplitDataset', dataset=train_set,
                 split='arch', ratio=0.5),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=72,
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
auto_scale_lr = dict(base_batch_size=72)
