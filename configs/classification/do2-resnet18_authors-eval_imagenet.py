# Evaluate the D-DARTS authors' DO-2-ResNet18 ImageNet model (their
# best_models/DO-2-ResNet18_ImageNet.pth.tar, 77.0% top-1 in the paper's
# Table 3) as they evaluate it, after conversion (docs/pretrained.md):
#
#   python tools/model_converters/ddarts_to_mm.py \
#       DO-2-ResNet18_ImageNet.pth.tar \
#       checkpoints/do2-resnet18_authors_imagenet.pth \
#       --genotype DO-2-ResNet18 --stem detection --init-channels 64
#   python tools/test.py \
#       configs/classification/do2-resnet18_authors-eval_imagenet.py \
#       checkpoints/do2-resnet18_authors_imagenet.pth
#
# Their NetworkImageNet is our DDartsNet with the detection stem and
# layout='authors'; their AvgPool2d(7) is global pooling at 224x224. The
# test pipeline is their utils.py validation transform: PIL decoding,
# Resize(256) of the short edge (PIL bilinear), CenterCrop(224), ToTensor,
# Normalize(ImageNet mean and std). Test only: no training settings.
_base_ = [
    '../_base_/models/do2_resnet18_authors_eval.py',
    '../_base_/default_runtime.py',
]

model = dict(backbone=dict(stem='detection'), head=dict(num_classes=1000))

data_preprocessor = dict(
    num_classes=1000,
    mean=[123.675, 116.28, 103.53],  # 255 x (0.485, 0.456, 0.406)
    std=[58.395, 57.12, 57.375],  # 255 x (0.229, 0.224, 0.225)
    to_rgb=True)  # mmcv hands the PIL-decoded image over as BGR
test_pipeline = [
    dict(type='LoadImageFromFile', imdecode_backend='pillow'),
    dict(
        type='ResizeEdge',
        scale=256,
        edge='short',
        backend='pillow',
        interpolation='bilinear'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=128,
    num_workers=8,
    dataset=dict(
        type='ImageNet',
        data_root='data/imagenet',
        split='val',
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_evaluator = dict(type='Accuracy', topk=(1, 5))
val_dataloader = test_dataloader
val_evaluator = test_evaluator
load_from = 'checkpoints/do2-resnet18_authors_imagenet.pth'
