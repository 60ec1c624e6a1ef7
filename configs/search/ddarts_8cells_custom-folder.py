# D-DARTS search on your own images (README, "Search on your own images"):
# the paper's CIFAR search (8 cells, C=16, L_T^i with w01 = 7, w_ab = 0.5,
# 50 epochs) on an ImageNet-style folder data/custom/{train,val}/<class>/,
# images resized to 32x32. Set num_classes to the number of class folders.
# The genotypes land in work_dirs/ddarts_8cells_custom-folder/
# (genotype_final_{darts,sparse,edge}.json); retrain one with
# configs/classification/ddarts-searched_8l-c36_custom-folder.py.
_base_ = [
    '../_base_/models/ddarts_supernet_8cells.py',
    '../_base_/datasets/custom_folder_search.py',
    '../_base_/schedules/search_50e.py',
    '../_base_/search_runtime.py',
]
num_classes = 10
model = dict(num_classes=num_classes)
data_preprocessor = dict(num_classes=num_classes)
