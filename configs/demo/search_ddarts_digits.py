# The demo's D-DARTS search (make demo, stage "search"): the paper's search
# (configs/search/ddarts_8cells_cifar10.py: one alpha, Adam and cosine
# schedule per cell, L_T^i = L_F^i + 0.5 L_AB^i with the exact ablation
# gradient, genotypes parsed every epoch) on a small supernet and the digits
# set that tools/make_demo_data.py cifar writes (data/demo/cifar_digits), on
# CPU in a few minutes.
#
# Demo-only changes, each measured (docs/demo.md, "Why the search learns"):
# - images resized to 16x16 (4x cheaper than 32x32), random crop with 2 px
#   padding, no horizontal flip (digits are not mirror symmetric);
# - 5 cells (reductions at 5//3 = 1 and 2*5//3 = 3; the fewest cells for
#   which Algorithm 1 has a normal cell in every stage), C=8, 2 steps;
# - all 1,497 training digits (748 weights + 749 architecture), batch 32,
#   12 epochs, the first 2 weights-only (alpha starts on a trained net);
# - the supernet weights train with Adam lr 3e-3 (cosine): with sigmoid
#   mixing every edge sums up to 7 op outputs at weight ~0.5, so the
#   supernet's activations (pooled features rms 4.9 vs 0.88 under softmax
#   mixing) make SGD's effective step ~30x larger on the classifier; SGD
#   at lr 0.05 diverged (7% val top-1 after 60 steps), at 0.01 crawled
#   (13%), Adam 3e-3 reached 67% in 148 steps on the same data;
# - alphas: Adam lr 0.1, so that the search DECIDES: at 6e-3 no weight
#   left (0.1, 0.9) in 10 epochs, at 2e-2 4.6% did; at 0.1, 87% after 2
#   search epochs and 95% after 5 (configs/study/search_ddarts_digits16.py
#   gives the measured curves);
# - the stopping rule is on (SearchStopHook patience=1, min_decided=0.9:
#   stop once the darts genotype has not changed for 1 search epoch with
#   >= 90% of the op weights decided); 10 search epochs at most. Measured
#   on seeds 0 and 1 without the rule (benchmarks/stopping_rules.py,
#   docs/study.md "Stopping"): it stops after epoch 8 of 12 (6 of 10
#   search epochs); with 2 epochs of patience after epochs 9 and 11.
_base_ = '../search/ddarts_8cells_cifar10.py'

custom_imports = dict(
    imports=[
        'ddarts_mm.engine', 'ddarts_mm.models.search',
        'ddarts_mm.datasets.split', 'ddarts_mm.datasets.demo.cifar_dataset'
    ],
    allow_failed_imports=False)

data_root = 'data/demo/cifar_digits'
image_size = 16
batch_size = 32

model = dict(num_cells=5, init_channels=8, steps=2)

# mmpretrain's CIFAR10 without the md5 check of the real archive
dataset_type = 'mmpretrain.DemoCIFAR10'
train_set = dict(
    type=dataset_type,
    data_root=data_root,
    split='train',
    pipeline=[
        dict(type='mmpretrain.Resize', scale=(image_size, image_size),
             interpolation='area'),
        dict(type='mmpretrain.RandomCrop', crop_size=image_size, padding=2),
        dict(type='mmpretrain.PackInputs'),
    ])
test_pipeline = [
    dict(type='mmpretrain.Resize', scale=(image_size, image_size),
         interpolation='area'),
    dict(type='mmpretrain.PackInputs'),
]
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
        pipeline=test_pipeline))
test_dataloader = val_dataloader

optim_wrapper = dict(
    weights=dict(
        optimizer=dict(_delete_=True, type='Adam', lr=3e-3,
                       weight_decay=3e-4),
        clip_grad=dict(max_norm=5.0)),
    arch=dict(optimizer=dict(lr=0.1)))
param_scheduler = dict(
    weights=dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True),
    arch=dict(type='CosineAnnealingLR', eta_min=1e-3, by_epoch=True))
train_cfg = dict(max_epochs=12, warmup_epochs=2)
custom_hooks = [
    dict(type='SafeCheckpointHook'),
    dict(type='AblationScheduleHook', interval=1),
    dict(type='AblationLogHook'),
    dict(type='GenotypeHook', methods=['darts', 'sparse', 'edge'],
         threshold=0.85),
    # stop once decided: genotype unchanged for 1 search epoch, >= 90% of
    # the op weights decided
    dict(type='SearchStopHook', criterion='genotype', patience=1,
         min_decided=0.9),
]

default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=1, max_keep_ckpts=1))
log_processor = dict(window_size=10)
