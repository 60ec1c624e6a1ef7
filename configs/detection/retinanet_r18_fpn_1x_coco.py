# The ResNet18 twin of retinanet_do2-resnet18_fpn_1x_coco.py: mmdet's own
# RetinaNet-R18 config, unchanged (torchvision's ImageNet ResNet18 weights).
_base_ = 'mmdet::retinanet/retinanet_r18_fpn_1x_coco.py'

custom_imports = dict(
    imports=['ddarts_mm.engine.hooks'], allow_failed_imports=False)
# checkpoints that mmdet's own tools/test.py reads: torch.load's default
# weights_only=True refuses mmengine's (their message hub pickles objects)
# checkpoints written whole (a kill leaves the last one intact) and read
# with torch.load(weights_only=True), random states included
default_hooks = dict(checkpoint=dict(type='ddarts_mm.AtomicCheckpointHook'))
custom_hooks = [dict(type='ddarts_mm.SafeCheckpointHook')]
