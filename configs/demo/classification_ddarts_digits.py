# The demo's training of the searched network (make demo, stage "train"),
# as a detection backbone: the genotype written by the demo search
# (work_dirs/demo/search/genotype_final_darts.json by default), grown with
# Algorithm 1 to 8 layers when DDartsNet is built, with the DETECTION stem
# (stride 4: the stem it has in RetinaNet and Mask R-CNN, so this
# checkpoint initialises the demo detectors' backbone), trained with the
# DARTS recipe of configs/classification/ (cosine, drop path ramped by
# DropPathHook, gradient clipping 5) on the digits set of
# tools/make_demo_data.py cifar, and evaluated (top-1) on its test split.
# The demo trains random genotypes and DO-2-ResNet18 with this same config
# (and mmdet's ResNet-18 with classification_resnet18-b32_digits.py).
#
# Demo-only changes, all for a few minutes on 2 CPU cores: 32x32 images
# (with the stride-4 stem the cells run at 8x8, 4x4 and 2x2), C=8, 8
# layers, 6 epochs at batch 32 with Adam lr 3e-3 (cosine over 6 epochs;
# SGD lr 0.05 stayed at 14% top-1 after 4 epochs), drop path 0.1, no
# auxiliary head (DARTS' needs maps of at least 8x8 at its cell), and no
# horizontal flip or cutout: digits are not mirror symmetric, and 6 epochs
# are too short for cutout's regularisation to pay off.
_base_ = [
    '../_base_/models/ddarts_net_cifar.py',
    '../_base_/datasets/cifar10_darts.py',
    '../_base_/schedules/cifar_600e.py',
    '../_base_/default_runtime.py',
]

custom_imports = dict(
    imports=[
        'ddarts_mm.models.backbones', 'ddarts_mm.models.classifiers',
        'ddarts_mm.engine.hooks', 'ddarts_mm.datasets.demo.cifar_dataset'
    ],
    allow_failed_imports=False)

data_root = 'data/demo/cifar_digits'
image_size = 32
batch_size = 32

model = dict(
    backbone=dict(
        genotype='work_dirs/demo/search/genotype_final_darts.json',
        init_channels=8,
        layers=8,
        stem='detection',
        drop_path_rate=0.1),
    aux_head=None,
    auxiliary_weight=0.0)

resize = dict(type='Resize', scale=(image_size, image_size),
              interpolation='area')
# mmpretrain's CIFAR10 without the md5 check of the real archive
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type='DemoCIFAR10',
        data_root=data_root,
        pipeline=[
            resize,
            dict(type='RandomCrop', crop_size=image_size, padding=4),
            dict(type='PackInputs'),
        ]))
val_dataloader = dict(
    batch_size=100,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(type='DemoCIFAR10', data_root=data_root,
                 pipeline=[resize, dict(type='PackInputs')]))
test_dataloader = val_dataloader

optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='Adam', lr=3e-3, weight_decay=3e-4))
train_cfg = dict(max_epochs=6)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=-1, save_last=True, save_best=None))
