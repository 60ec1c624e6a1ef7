# The ResNet18 twin of retinanet_do2-resnet18_fpn_1x_coco.py: mmdet's own
# RetinaNet-R18 config, unchanged (torchvision's ImageNet ResNet18 weights).
_base_ = 'mmdet::retinanet/retinanet_r18_fpn_1x_coco.py'
