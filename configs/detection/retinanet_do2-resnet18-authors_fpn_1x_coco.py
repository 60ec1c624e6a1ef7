# RetinaNet with DO-2-ResNet18 (D-DARTS paper, Table 4: 12 epochs on COCO)
# starting from the D-DARTS authors' ImageNet weights instead of our own
# ImageNet training: convert their best_models/DO-2-ResNet18_ImageNet.pth.tar
# first (docs/pretrained.md):
#
#   python tools/model_converters/ddarts_to_mm.py \
#       DO-2-ResNet18_ImageNet.pth.tar \
#       checkpoints/do2-resnet18_authors_imagenet.pth \
#       --genotype DO-2-ResNet18 --stem detection --init-channels 64
#
# Everything else is retinanet_do2-resnet18_fpn_1x_coco.py.
_base_ = ['./retinanet_do2-resnet18_fpn_1x_coco.py']

model = dict(
    backbone=dict(
        layout='authors',  # = the default layout for this genotype
        init_cfg=dict(
            type='Pretrained',
            checkpoint='checkpoints/do2-resnet18_authors_imagenet.pth',
            prefix='backbone.')))
