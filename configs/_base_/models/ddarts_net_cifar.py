# A (D-)DARTS evaluation network on CIFAR (DARTS' NetworkCIFAR): DDartsNet
# with the CIFAR stem, global average pooling, a linear classifier and, in
# training, DARTS' auxiliary head on the last reduction layer weighted 0.4.
# Leaf configs set the genotype (zoo name or file), init_channels and
# layers (None: as searched; more: grown with Algorithm 1 when built).
model = dict(
    type='DDartsClassifier',
    backbone=dict(
        type='DDartsNet',
        genotype='DARTS_V2',
        init_channels=36,
        layers=None,
        stem='cifar',
        out_indices=(-1, ),
        drop_path_rate=0.2),  # ramped from 0 by DropPathHook
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    aux_head=dict(
        type='DartsAuxHead',
        arch='cifar',
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    auxiliary_weight=0.4)
