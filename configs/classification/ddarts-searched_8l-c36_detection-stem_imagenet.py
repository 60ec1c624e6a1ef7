# The network a search found, retrained on ImageNet as a detection backbone
# (the D-DARTS authors' route to their RetinaNet and Mask R-CNN results):
# the DARTS mobile recipe of do2-resnet18_4l-c64_1xb128_imagenet.py (250
# epochs, 224x224, auxiliary head 0.4 on the last reduction) with the
# detection stem (stride 4) and the searched genotype grown to 8 layers at
# C=36. Its checkpoint is what `python tools/genotype.py detector GENOTYPE
# --layers 8 --init-channels 36 --pretrained work_dirs/<this config>/
# epoch_250.pth` checks and loads. Set the genotype (file or zoo name):
#   --cfg-options \
#       model.backbone.genotype=work_dirs/<search>/genotype_final_sparse.json
# Steps: docs/detection.md, "Your searched cell as a detector backbone".
_base_ = './do2-resnet18_4l-c64_1xb128_imagenet.py'

model = dict(
    backbone=dict(
        genotype='work_dirs/ddarts_8cells_custom-folder/'
        'genotype_final_sparse.json',
        init_channels=36,
        layers=8),
    # the last reduction layer (DARTS' choice; 14x14 maps at stride 16)
    aux_layer=None)
