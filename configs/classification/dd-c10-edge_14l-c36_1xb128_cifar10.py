# The same genotype grown to 14 layers with Algorithm 1.
_base_ = './dd-c10-edge_8l-c36_1xb128_cifar10.py'

model = dict(backbone=dict(layers=14))
