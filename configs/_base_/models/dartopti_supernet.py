# DARTOpti supernet (paper, Sec. 4.4): the search starts from a handcrafted
# network encoded as a genotype in S_o (leaf configs set genotype to
# 'ResNet18', 'ResNet50' or 'Xception'): its layout (layers, reductions,
# steps) is the genotype's, the encoded ops start at a high alpha, and the
# layers of one gene share one alpha set (and one optimizer). C=32 while
# searching (Sec. 5.1).
model = dict(
    type='DDartsSupernet',
    init_channels=32,
    num_classes=10,
    stem='cifar',
    search_space='S_o',
    genotype=None,
    zero_one_weight=7.0,
    ablation=dict(weight=0.5, mode='exact', deactivation='random', seed=0))
