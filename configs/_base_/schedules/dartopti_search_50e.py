# DARTOpti schedule: 5 weights-only warm-up epochs (Sec. 4.4 (iii)), then
# the D-DARTS search for 50 epochs (paper and the authors' code: 5 + 50);
# the alpha schedules start when the search does (BilevelSearchLoop sets
# their begin to warmup_epochs).
_base_ = ['./search_50e.py']
train_cfg = dict(max_epochs=55, warmup_epochs=5)
