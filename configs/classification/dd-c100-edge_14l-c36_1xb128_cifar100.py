# The same genotype grown to 14 layers with Algorithm 1.
_base_ = './dd-c100-edge_8l-c36_1xb128_cifar100.py'

model = dict(backbone=dict(layers=14))
