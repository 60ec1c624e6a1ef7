# DO-2-ResNet18 in the D-DARTS authors' layout, as a classifier that
# evaluates their released weights (configs/classification/
# do2-resnet18_authors-eval_*.py set the stem, the classes and load_from).
model = dict(
    type='DDartsClassifier',
    backbone=dict(
        type='DDartsNet',
        genotype='DO-2-ResNet18',
        init_channels=64,
        layout='authors',
        out_indices=(-1, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', topk=(1, 5)))
test_cfg = dict()
val_cfg = dict()
