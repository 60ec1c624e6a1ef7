# The network that configs/search/ddarts_8cells_custom-folder.py found on
# your own images (its sparse genotype, t = 0.85), trained as searched
# (8 layers, C=36) with the DARTS CIFAR recipe (600 epochs, SGD cosine,
# auxiliary head 0.4, drop path 0.2) on the same folder (data/custom,
# 32x32). Set num_classes as in the search; another genotype: its path or a
# zoo name in model.backbone.genotype.
_base_ = [
    '../_base_/models/ddarts_net_cifar.py',
    '../_base_/datasets/custom_folder.py',
    '../_base_/schedules/cifar_600e.py',
    '../_base_/default_runtime.py',
]
num_classes = 10
model = dict(
    backbone=dict(
        genotype='work_dirs/ddarts_8cells_custom-folder/'
        'genotype_final_sparse.json'),
    head=dict(num_classes=num_classes))
data_preprocessor = dict(num_classes=num_classes)
