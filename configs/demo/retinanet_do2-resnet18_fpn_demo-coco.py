# RetinaNet with DO-2-ResNet18 at demo width, trained from scratch on CPU on
# the demo COCO shapes set (tools/make_demo_data.py coco data/demo/coco):
# 128x128 images, 3 classes, box AP by CocoMetric on its val split.
# Everything but the size and the schedule is
# configs/detection/retinanet_do2-resnet18_fpn_1x_coco.py.
#
# Another data root: --cfg-options data_root=... does not reach the
# derived paths; override the dataloaders' and evaluators' ones, e.g.
#   --cfg-options train_dataloader.dataset.data_root=D/ \
#     val_dataloader.dataset.data_root=D/ \
#     test_dataloader.dataset.data_root=D/ \
#     val_evaluator.ann_file=D/annotations/instances_val2017.json \
#     test_evaluator.ann_file=D/annotations/instances_val2017.json
_base_ = '../detection/retinanet_do2-resnet18_fpn_1x_coco.py'

data_root = 'data/demo/coco/'
# = ddarts_mm.datasets.COCO_SHAPES_CLASSES
metainfo = dict(classes=('circle', 'square', 'triangle'))
image_scale = (128, 128)
max_iters = 800

model = dict(
    backbone=dict(
        init_channels=8,  # stage channels 32, 64, 128, 256
        frozen_stages=-1,  # from scratch: nothing frozen,
        norm_eval=False,  # BN statistics are learnt
        init_cfg=None),
    neck=dict(in_channels=[32, 64, 128, 256], out_channels=64),
    bbox_head=dict(
        num_classes=3, in_channels=64, feat_channels=64, stacked_convs=2))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=image_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
# An iteration loop: InfiniteSampler, so the dataloader is never restarted
# (no "Reach the end of the dataloader" warning).
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        data_root=data_root, metainfo=metainfo, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root, metainfo=metainfo, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val2017.json')
test_evaluator = val_evaluator

train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=max_iters)
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=0.002, weight_decay=0.05),
    clip_grad=dict(max_norm=10.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0,
         end=40),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=40,
         end=max_iters, eta_min_ratio=0.01)
]
auto_scale_lr = dict(base_batch_size=4)

default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(by_epoch=False, interval=max_iters, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
