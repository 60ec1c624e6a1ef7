# Search of the committed small-scale study (tools/study.py, docs/study.md):
# the demo search (configs/demo/search_ddarts_digits.py: 5 cells, C=8, 2
# steps, 16x16 digits, Adam for the weights) with the cheapest schedule
# measured to DECIDE the architecture: 1 weights-only warm-up epoch, then 5
# search epochs with the alphas' Adam at lr 0.1 (cosine to 1e-3). Measured
# on ddarts-exact seed 0 (decided = op weights > 0.9 or < 0.1, changes =
# edges of the darts genotype that changed, per search epoch):
#   lr 0.02 (the old study, 2 search epochs): 0% decided;
#   lr 0.05: 0, 4.0, 47.4% after 1-3 search epochs (too slow);
#   lr 0.1:  14.3, 87.4, 93.7, 94.9, 94.9% / changes -, 2, 4, 2, 0;
#   lr 0.2, 3 search epochs: 93.1, 98.9, 100% / changes -, 14, 7 (decided
#   but not settled: the edge ranking among saturated weights still flips).
# tools/study.py sets the method (model overrides), the seed and the data
# root. Every method uses the same optimizers and schedule.
_base_ = '../demo/search_ddarts_digits.py'

optim_wrapper = dict(arch=dict(optimizer=dict(lr=0.1)))
train_cfg = dict(max_epochs=6, warmup_epochs=1)
param_scheduler = dict(arch=dict(begin=1))
default_hooks = dict(
    logger=dict(interval=24),
    checkpoint=dict(interval=-1, save_last=True))
custom_hooks = [
    dict(type='SafeCheckpointHook'),
    dict(type='AblationScheduleHook', interval=1),
    dict(type='AblationLogHook', figure_interval=0),
    dict(type='GenotypeHook', methods=['darts', 'sparse'], threshold=0.85,
         figure_interval=0),
]
