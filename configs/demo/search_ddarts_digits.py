# The demo's D-DARTS search (make demo, stage "search"): the paper's search
# (configs/search/ddarts_8cells_cifar10.py: one alpha, Adam and cosine
# schedule per cell, L_T^i = L_F^i + 0.5 L_AB^i with the exact ablation
# gradient, genotypes parsed every epoch) on a small supernet and a few
# hundred images of the digits set that tools/make_demo_data.py cifar
# writes (data/demo/cifar_digits), on CPU in a few minutes.
#
# Demo-only changes, all for about 2 minutes on 2 CPU cores: 5 cells
# (reductions at 5//3 = 1 and 2*5//3 = 3; the fewest cells for which
# Algorithm 1 has a normal cell in every stage), C=8, 320 training images
# (160 weights + 160 arch), batch 16, 2 epochs (20 steps), learning rates
# 10x (weights) and 20x (alphas) the paper's so that 20 steps move them,
# and no horizontal flip (digits are not mirror symmetric).
_base_ = '../search/ddarts_8cells_cifar10.py'

custom_imports = dict(
    imports=[
        'ddarts_mm.engine', 'ddarts_mm.models.search',
        'ddarts_mm.datasets.split', 'ddarts_mm.datasets.demo_cifar_dataset'
    ],
    allow_failed_imports=False)

data_root = 'data/demo/cifar_digits'
num_train_images = 320  # first images of the set, split in two halves
num_val_images = 200
batch_size = 16

model = dict(num_cells=5, init_channels=8)

# mmpretrain's CIFAR10 without the md5 check of the real archive
dataset_type = 'mmpretrain.DemoCIFAR10'
train_set = dict(
    type=dataset_type,
    data_root=data_root,
    split='train',
    indices=num_train_images,
    pipeline=[
        dict(type='mmpretrain.RandomCrop', crop_size=32, padding=4),
        dict(type='mmpretrain.PackInputs'),
    ])
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(dataset=train_set))
arch_dataloader = dict(
    batch_size=batch_size,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(dataset=train_set))
val_dataloader = dict(
    batch_size=100,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='test',
        indices=num_val_images,
        pipeline={{_base_.test_pipeline}}))
test_dataloader = val_dataloader

optim_wrapper = dict(
    weights=dict(optimizer=dict(lr=0.05)),
    arch=dict(optimizer=dict(lr=6e-2)))
train_cfg = dict(max_epochs=2)

default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=1, max_keep_ckpts=1))
log_processor = dict(window_size=5)
