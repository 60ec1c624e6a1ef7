# D-DARTS searched with L_F alone (per-cell alphas, w_ab = 0) on CIFAR-100;
# see ddarts-lf_8cells_cifar10.py.
_base_ = ['./ddarts_8cells_cifar100.py']
model = dict(ablation=dict(mode='none'))
