# FairDARTS-style baseline (no ablation loss) on CIFAR-100.
_base_ = ['./ddarts_8cells_cifar100.py']
model = dict(ablation=dict(mode='none'))
