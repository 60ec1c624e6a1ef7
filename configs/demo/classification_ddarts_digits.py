# The demo's training of the searched network (make demo, stage "train"):
# the genotype written by the demo search (work_dirs/demo/search/
# genotype_final_darts.json by default), grown with Algorithm 1 to 8
# layers when DDartsNet is built, trained with the DARTS recipe of
# configs/classification/ (SGD 0.025 cosine, cutout 16, auxiliary head 0.4
# on the last reduction, drop path ramped by DropPathHook, gradient clipping
# 5) on the digits set of tools/make_demo_data.py cifar, and evaluated
# (top-1) on its test split.
#
# Demo-only changes, all for a few minutes on 2 CPU cores: C=8, 8 layers,
# 4 epochs at batch 32 with lr 0.05 (the cosine schedule over 4 epochs),
# drop path 0.1, and no horizontal flip or cutout: digits are not mirror
# symmetric, and 4 epochs are too short for cutout's regularisation to pay
# off (with them, top-1 is about 25% after 4 epochs; without, about 80%).
_base_ = [
    '../_base_/models/ddarts_net_cifar.py',
    '../_base_/datasets/cifar10_darts.py',
    '../_base_/schedules/cifar_600e.py',
    '../_base_/default_runtime.py',
]

custom_imports = dict(
    imports=[
        'ddarts_mm.models.backbones', 'ddarts_mm.models.classifiers',
        'ddarts_mm.engine.hooks', 'ddarts_mm.datasets.demo_cifar_dataset'
    ],
    allow_failed_imports=False)

data_root = 'data/demo/cifar_digits'
batch_size = 32

model = dict(
    backbone=dict(
        genotype='work_dirs/demo/search/genotype_final_darts.json',
        init_channels=8,
        layers=8,
        drop_path_rate=0.1))

# mmpretrain's CIFAR10 without the md5 check of the real archive
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type='DemoCIFAR10',
        data_root=data_root,
        pipeline=[
            dict(type='RandomCrop', crop_size=32, padding=4),
            dict(type='PackInputs'),
        ]))
val_dataloader = dict(
    batch_size=100,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(type='DemoCIFAR10', data_root=data_root))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=0.05))
train_cfg = dict(max_epochs=4)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=-1, save_last=True, save_best=None))
