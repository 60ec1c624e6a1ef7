# Retraining of the committed small-scale study (tools/study.py): the demo
# training recipe (configs/demo/classification_ddarts_digits.py: Adam,
# 6 epochs) of the parsed genotype as searched (5 layers, no growth), C=8,
# with the CIFAR stem at 16x16 as the study's records were made (the demo
# now pretrains detection backbones: detection stem, 32x32); tools/study.py
# sets the genotype, the retrain seed (every genotype is retrained with
# each of --retrain-seeds) and the data root.
_base_ = '../demo/classification_ddarts_digits.py'

image_size = 16
model = dict(backbone=dict(genotype=None, layers=None, stem='cifar'))
resize = dict(type='Resize', scale=(image_size, image_size),
              interpolation='area')
train_dataloader = dict(
    dataset=dict(pipeline=[
        resize,
        dict(type='RandomCrop', crop_size=image_size, padding=2),
        dict(type='PackInputs'),
    ]))
val_dataloader = dict(
    dataset=dict(pipeline=[resize, dict(type='PackInputs')]))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=6)
default_hooks = dict(
    logger=dict(interval=47),
    checkpoint=dict(interval=-1, save_last=False))
