# FairDARTS-style baseline with the D-DARTS supernet: the same 8 cells with
# their own alpha and optimizer, loss L_F = L_CE + w01 * L_01 (Eq. 4), no
# ablation loss (w_ab = 0).
_base_ = ['./ddarts_8cells_cifar10.py']
model = dict(ablation=dict(mode='none'))
