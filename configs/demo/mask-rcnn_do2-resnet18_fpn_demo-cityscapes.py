# Mask R-CNN with DO-2-ResNet18 at demo width, trained from scratch on CPU on
# the demo Cityscapes set (tools/make_demo_data.py cityscapes
# data/demo/cityscapes: the real Cityscapes layout, 256x128 images, COCO json
# by mmdet's converter). Box and mask AP by CocoMetric, the official
# cityscapesscripts AP by CityScapesMetric, on its val split. Everything but
# the size and the schedule is
# configs/detection/mask-rcnn_do2-resnet18_fpn_1x_cityscapes.py.
#
# Another data root: override the dataloaders' data_root, the CocoMetric's
# ann_file and the CityScapesMetric's seg_prefix (val_evaluator is a list:
# restate it, see tests/test_configs/test_detection_configs.py).
_base_ = '../detection/mask-rcnn_do2-resnet18_fpn_1x_cityscapes.py'

data_root = 'data/demo/cityscapes/'
max_iters = 200
width = 64  # FPN, RPN and RoI head channels (256 in the real config)

model = dict(
    backbone=dict(
        init_channels=8,  # stage channels 32, 64, 128, 256
        frozen_stages=-1,  # from scratch: nothing frozen,
        norm_eval=False,  # BN statistics are learnt
        init_cfg=None),
    neck=dict(in_channels=[32, 64, 128, 256], out_channels=width),
    rpn_head=dict(in_channels=width, feat_channels=width),
    roi_head=dict(
        # sampling_ratio 2: 2x2 points a bin, not adaptive (mmcv's CPU
        # RoIAlign backward dominates a step otherwise)
        bbox_roi_extractor=dict(
            out_channels=width, roi_layer=dict(sampling_ratio=2)),
        bbox_head=dict(in_channels=width, fc_out_channels=256),
        mask_roi_extractor=dict(
            out_channels=width, roi_layer=dict(sampling_ratio=2)),
        mask_head=dict(in_channels=width, conv_out_channels=width,
                       num_convs=2)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

# mmdet's Cityscapes pipelines at 1/8 of the scale: 2048x[800, 1024]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomResize', scale=[(256, 100), (256, 128)],
         keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(256, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                   'scale_factor'))
]
# An iteration loop: InfiniteSampler (no restart of the dataloader, no
# "Reach the end of the dataloader" warning) and the bare dataset, without
# the base's RepeatDataset (mmdet's browse_dataset.py would loop forever on
# an infinite repeat; a repeat of 1 adds nothing).
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type='CityscapesDataset',
        data_root=data_root,
        ann_file='annotations/instancesonly_filtered_gtFine_train.json',
        data_prefix=dict(img='leftImg8bit/train/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline,
        backend_args=None))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = [
    dict(
        type='CocoMetric',
        ann_file=data_root +
        'annotations/instancesonly_filtered_gtFine_val.json',
        metric=['bbox', 'segm']),
    dict(
        type='CityScapesMetric',
        seg_prefix=data_root + 'gtFine/val',
        # None: a temporary folder, removed after the evaluation
        outfile_prefix=None)
]
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
