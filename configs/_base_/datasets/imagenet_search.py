# ImageNet for a D-DARTS search (mmpretrain's ImageNet reading
# data/imagenet): the train split halved by SplitDataset (weights / arch;
# a random permutation seeded by the run's randomness.seed and stratified
# by class, since mmpretrain's ImageNet lists its images class by class),
# validation on the val split. Batch 96 per GPU (paper, Sec. 5.1), the batch
# the search schedule's weights lr is used with (--auto-scale-lr).
dataset_type = 'mmpretrain.ImageNet'
data_root = 'data/imagenet'
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)

train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.RandomResizedCrop', scale=224),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.ResizeEdge', scale=256, edge='short'),
    dict(type='mmpretrain.CenterCrop', crop_size=224),
    dict(type='mmpretrain.PackInputs'),
]

train_set = dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=96,
    num_workers=5,
    dataset=dict(type='ddarts_mm.SplitDataset', dataset=train_set,
                 split='weights', ratio=0.5),
    sampler=dict(type='DefaultSampler', shuffle=True))
arch_dataloader = dict(
    batch_size=96,
    num_workers=5,
    dataset=dict(type='ddarts_mm.SplitDataset', dataset=train_set,
                 split='arch', ratio=0.5),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=96,
    num_workers=5,
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
auto_scale_lr = dict(base_batch_size=96)
