# ImageNet with DARTS' augmentation (mmpretrain's ImageNet reading
# data/imagenet/{train,val}/<class>/*.JPEG, or meta/{train,val}.txt when
# present): random resized crop 224, horizontal flip, torchvision's colour
# jitter (0.4, 0.4, 0.4, 0.2) as DARTS; test: short edge 256, centre crop
# 224; batch 128 per GPU; top-1 and top-5 on val.
dataset_type = 'ImageNet'
data_root = 'data/imagenet'
data_preprocessor = dict(
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    to_rgb=True)  # images are loaded BGR

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    # DARTS' torchvision ColorJitter, through mmpretrain's torchvision
    # wrapper (mmcv's adjust_hue fails on negative hue shifts with numpy 2)
    dict(type='NumpyToPIL', to_rgb=True),
    dict(
        type='torchvision/ColorJitter',
        brightness=0.4,
        contrast=0.4,
        saturation=0.4,
        hue=0.2),
    dict(type='PILToNumpy', to_bgr=True),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=128,
    num_workers=8,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_dataloader = val_dataloader
test_evaluator = val_evaluator
