# mmdet's ResNet-18 at the width of the demo's DDartsNet backbones
# (base_channels=32: stage channels 32, 64, 128, 256, as DO-2-ResNet18 and
# the searched network at C=8 with the detection stem), pretrained on the
# digits exactly as they are (classification_ddarts_digits.py: 32x32, 6
# epochs, Adam 3e-3, cosine), so that the demo compares backbones, not
# pretraining. Its checkpoint initialises the ResNet-18 of the demo's
# RetinaNet and Mask R-CNN (keys under 'backbone.' are mmdet's ResNet's).
_base_ = './classification_ddarts_digits.py'

custom_imports = dict(
    imports=[
        'mmdet.models.backbones', 'ddarts_mm.engine.hooks',
        'ddarts_mm.datasets.demo.cifar_dataset'
    ],
    allow_failed_imports=False)

model = dict(
    _delete_=True,
    type='ImageClassifier',
    backbone=dict(
        type='mmdet.ResNet',
        depth=18,
        base_channels=32,
        num_stages=4,
        out_indices=(3, ),
        # trained from scratch: BN statistics are learnt (mmdet's default
        # norm_eval=True keeps them at 0/1 and the network does not learn:
        # 7% top-1 after 6 epochs, loss stuck at ln 10)
        norm_eval=False,
        style='pytorch'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        type='LinearClsHead',
        num_classes=10,
        in_channels=256,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0)))
# no drop path in ResNet; the checkpoints as every other run's
custom_hooks = [dict(type='ddarts_mm.SafeCheckpointHook')]
