# Your own images for training a classifier (the network a search on them
# found): mmpretrain's CustomDataset reading data/custom/{train,val}/
# <class>/<image>, resized to image_size x image_size, with DARTS' CIFAR
# augmentation (random crop with padding, horizontal flip); top-1 on val.
# Same folder and sizes as custom_folder_search.py.
dataset_type = 'CustomDataset'
data_root = 'data/custom'
image_size = 32
data_preprocessor = dict(
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)  # images are loaded BGR

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size)),
    dict(type='RandomCrop', crop_size=image_size, padding=image_size // 8),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size)),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix='train',
                 pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=128,
    num_workers=2,
    dataset=dict(type=dataset_type, data_root=data_root, data_prefix='val',
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, ))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
