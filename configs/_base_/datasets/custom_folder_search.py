# Your own images for a D-DARTS search: mmpretrain's CustomDataset reading
# an ImageNet-style folder, data/custom/{train,val}/<class>/<image>
# (classes are the sub-folder names, sorted). The train folder is split in
# two halves by ddarts_mm.SplitDataset (weights / arch): a seeded random
# permutation stratified by class, so both halves hold every class even
# though a folder data set is stored class by class. Validation reads val/.
# Images are resized to image_size x image_size (the CIFAR stem of the
# search supernet).
#
# To point it at another folder, override the three data_root keys (see
# README, "Search on your own images"). When replacing the data set of a
# config that already has one (e.g. a CIFAR search, whose data set has
# split='train'), write _delete_=True in the new data set dict: mmengine
# merges dicts key by key, and CustomDataset has no `split` argument.
dataset_type = 'mmpretrain.CustomDataset'
data_root = 'data/custom'
image_size = 32
data_preprocessor = dict(
    type='mmpretrain.ClsDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)  # images are loaded BGR

train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.Resize', scale=(image_size, image_size)),
    dict(type='mmpretrain.RandomCrop', crop_size=image_size,
         padding=image_size // 8),
    dict(type='mmpretrain.RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.Resize', scale=(image_size, image_size)),
    dict(type='mmpretrain.PackInputs'),
]

train_set = dict(type=dataset_type, data_root=data_root, data_prefix='train',
                 pipeline=train_pipeline)
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    dataset=dict(type='ddarts_mm.SplitDataset', dataset=train_set,
                 split='weights', ratio=0.5),
    sampler=dict(type='DefaultSampler', shuffle=True))
arch_dataloader = dict(
    batch_size=64,
    num_workers=2,
    dataset=dict(type='ddarts_mm.SplitDataset', dataset=train_set,
                 split='arch', ratio=0.5),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix='val',
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='mmpretrain.Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
auto_scale_lr = dict(base_batch_size=64)
