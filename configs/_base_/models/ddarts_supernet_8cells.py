# The D-DARTS supernet of the paper's CIFAR searches: 8 cells, C=16, 4
# steps, reductions at 8//3 and 2*8//3, search space S, FairDARTS sigmoid
# mixing, zero-one loss weight 7 and ablation loss weight 0.5 (Sec. 5.2.1).
# The data preprocessor comes from the dataset base (top-level
# data_preprocessor, merged by the runner).
model = dict(
    type='DDartsSupernet',
    num_cells=8,
    init_channels=16,
    steps=4,
    num_classes=10,
    stem='cifar',
    search_space='S',
    zero_one_weight=7.0,
    ablation=dict(weight=0.5, mode='exact', deactivation='random', seed=0))
