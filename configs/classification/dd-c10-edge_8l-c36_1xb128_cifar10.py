# D-DARTS, searched on CIFAR-10 (8 cells, L_T, edge parsing t=0.85: up to
# two ops per edge; the authors' genotype), trained as searched: 8 layers,
# C=36, on CIFAR-10 with the DARTS recipe.
# Everything but the genotype is dd-c10-sparse_8l-c36_1xb128_cifar10.py.
_base_ = './dd-c10-sparse_8l-c36_1xb128_cifar10.py'

model = dict(backbone=dict(genotype='D-DARTS_threshold_edge_cifar10_0.85_50'))
