# A (D-)DARTS evaluation network on ImageNet (DARTS' NetworkImageNet, mobile
# setting): DDartsNet with the ImageNet stem (stride 8), C=48, global
# average pooling, a linear classifier, label smoothing 0.1 and DARTS'
# ImageNet auxiliary head (weight 0.4, label-smoothed too, as DARTS).
model = dict(
    type='DDartsClassifier',
    backbone=dict(
        type='DDartsNet',
        genotype='DARTS_V2',
        init_channels=48,
        layers=14,
        stem='imagenet',
        out_indices=(-1, ),
        drop_path_rate=0.0),  # DARTS' ImageNet recipe: no drop path
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 5)),
    aux_head=dict(
        type='DartsAuxHead',
        arch='imagenet',
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original')),
    auxiliary_weight=0.4)
