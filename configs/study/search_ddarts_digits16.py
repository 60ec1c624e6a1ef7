# Search of the committed small-scale study (tools/study.py, docs/study.md):
# the demo search (configs/demo/search_ddarts_digits.py: 5 cells, C=8, 2
# steps, 16x16 digits, Adam for the weights) shortened to 1 weights-only
# warm-up epoch + 2 search epochs, so that a study of ~45 runs fits in an
# hour on 2 CPU cores. tools/study.py sets the method (model overrides),
# the seed and the data root. Every method uses the same optimizers.
_base_ = '../demo/search_ddarts_digits.py'

train_cfg = dict(max_epochs=3, warmup_epochs=1)
param_scheduler = dict(arch=dict(begin=1))
default_hooks = dict(
    logger=dict(interval=24),
    checkpoint=dict(interval=-1, save_last=True))
custom_hooks = [
    dict(type='SafeCheckpointHook'),
    dict(type='AblationLossHook', interval=1),
    dict(type='GenotypeHook', methods=['darts', 'sparse'], threshold=0.85),
]
