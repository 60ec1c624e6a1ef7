# D-DARTS transferred to ImageNet (the paper's DD-4, Table 3): the CIFAR-100
# sparse genotype grown to 14 layers with Algorithm 1, C=48, ImageNet stem,
# trained with the DARTS mobile recipe (250 epochs, batch 128, SGD 0.1,
# weight decay 3e-5, lr x 0.97 per epoch, label smoothing 0.1, auxiliary
# head 0.4, gradient clipping 5).
_base_ = [
    '../_base_/models/ddarts_net_imagenet.py',
    '../_base_/datasets/imagenet_darts.py',
    '../_base_/schedules/imagenet_250e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    backbone=dict(
        genotype='D-DARTS_threshold_sparse_abl0.5_fair7_cifar100_0.85_50',
        init_channels=48,
        layers=14))
