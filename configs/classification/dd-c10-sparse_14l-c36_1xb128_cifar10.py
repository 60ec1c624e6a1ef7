# The same genotype grown to 14 layers with Algorithm 1 (the growth happens
# when DDartsNet is built: reductions move to 14//3 and 2*14//3).
_base_ = './dd-c10-sparse_8l-c36_1xb128_cifar10.py'

model = dict(backbone=dict(layers=14))
