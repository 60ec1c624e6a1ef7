# Baseline: DARTS (2nd order) grown to 20 layers, C=36, on CIFAR-10 with the
# DARTS recipe: 3.3M parameters, 97.0% top-1 in the DARTS paper. Checks the
# recipe before the D-DARTS configs of this folder.
_base_ = [
    '../_base_/models/ddarts_net_cifar.py',
    '../_base_/datasets/cifar10_darts.py',
    '../_base_/schedules/cifar_600e.py',
    '../_base_/default_runtime.py',
]

model = dict(backbone=dict(genotype='DARTS_V2', layers=20))
