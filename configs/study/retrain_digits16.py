# Retraining of the committed small-scale study (tools/study.py): the demo
# training (configs/demo/classification_ddarts_digits.py: 16x16 digits,
# Adam) of the parsed genotype as searched (5 layers, no growth), C=8,
# 6 epochs; tools/study.py sets the genotype, the retrain seed (every
# genotype is retrained with each of --retrain-seeds) and the data root.
_base_ = '../demo/classification_ddarts_digits.py'

model = dict(backbone=dict(genotype=None, layers=None))
train_cfg = dict(max_epochs=6)
default_hooks = dict(
    logger=dict(interval=47),
    checkpoint=dict(interval=-1, save_last=False))
