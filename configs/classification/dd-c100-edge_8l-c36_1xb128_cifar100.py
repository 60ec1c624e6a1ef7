# D-DARTS, searched on CIFAR-100 (8 cells, w_ab=0.5, w01=7, edge parsing
# t=0.85; the authors' genotype), trained as searched: 8 layers, C=36, on
# CIFAR-100 with the DARTS recipe.
# Everything but the genotype is dd-c100-sparse_8l-c36_1xb128_cifar100.py.
_base_ = './dd-c100-sparse_8l-c36_1xb128_cifar100.py'

model = dict(
    backbone=dict(
        genotype='D-DARTS_threshold_edge_abl0.5_fair7_cifar100_0.85_50'))
