# The same genotype grown to 14 layers with Algorithm 1 (DD-4 of the paper's
# Table 2 is a 14-layer sparse CIFAR-100 model).
_base_ = './dd-c100-sparse_8l-c36_1xb128_cifar100.py'

model = dict(backbone=dict(layers=14))
