# D-DARTS searched with L_F alone (the paper's L_F rows, DD-2/5/6): the
# D-DARTS supernet, every one of the 8 cells with its own alpha, optimizer
# and schedule, loss L_F = L_CE + w01 * L_01 (Eq. 4) per cell, no ablation
# loss (w_ab = 0). Not FairDARTS, which shares its alphas
# (fairdarts_8cells_cifar10.py).
_base_ = ['./ddarts_8cells_cifar10.py']
model = dict(ablation=dict(mode='none'))
