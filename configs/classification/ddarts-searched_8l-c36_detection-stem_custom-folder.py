# The network a search on your own images found, retrained as a detection
# backbone: configs/classification/ddarts-searched_8l-c36_custom-folder.py
# with the detection stem (stride 4, the stem DDartsNet has in RetinaNet and
# Mask R-CNN), so that its checkpoint initialises the backbone of the config
# `python tools/genotype.py detector ... --pretrained` writes. With this stem
# the 3 stages of a CIFAR-layout genotype run at strides 4, 8 and 16, so the
# images are 64x64 (4x4 maps in the last stage; at 32x32 they would be 2x2)
# and there is no auxiliary head (DARTS' needs maps of at least 8x8 at its
# cell). Steps: docs/detection.md, "Your searched cell as a detector
# backbone".
_base_ = './ddarts-searched_8l-c36_custom-folder.py'

image_size = 64
model = dict(
    backbone=dict(stem='detection'), aux_head=None, auxiliary_weight=0.0)

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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
