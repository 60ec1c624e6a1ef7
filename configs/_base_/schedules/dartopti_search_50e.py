# DARTOpti schedule: the D-DARTS one with 5 weights-only warm-up epochs
# (Sec. 4.4 (iii)); the alpha schedules start when the search does.
_base_ = ['./search_50e.py']
train_cfg = dict(warmup_epochs=5)
param_scheduler = dict(arch=dict(begin=5))
