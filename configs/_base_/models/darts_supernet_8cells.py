# DARTS' supernet (Liu et al., 2019) as the baseline the paper compares
# against: 8 cells, C=16, 4 steps, reductions at 8//3 and 2*8//3, DARTS' 8
# operations (S plus `none`), softmax mixing (Eq. 1), one alpha for every
# normal cell and one for every reduction cell, no zero-one or ablation
# loss (first-order DARTS).
model = dict(
    type='DDartsSupernet',
    num_cells=8,
    init_channels=16,
    steps=4,
    num_classes=10,
    stem='cifar',
    search_space='DARTS',
    mixing='softmax',
    share_alphas='cell_type',
    zero_one_weight=0.0,
    ablation=dict(mode='none'))
