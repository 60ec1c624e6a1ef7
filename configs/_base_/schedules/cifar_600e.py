# DARTS' CIFAR training schedule: 600 epochs, SGD lr 0.025, momentum 0.9,
# weight decay 3e-4, gradient clipping 5, cosine annealing to 0 over the
# run (stepped per epoch); tuned for batch 128 on one GPU.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.025, momentum=0.9, weight_decay=3e-4),
    clip_grad=dict(max_norm=5.0))
# `end` defaults to train_cfg.max_epochs, so changing it keeps the cosine
param_scheduler = dict(type='CosineAnnealingLR', eta_min=0.0, by_epoch=True)

train_cfg = dict(by_epoch=True, max_epochs=600, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# tools/train.py --auto-scale-lr scales lr by the real total batch / 128
auto_scale_lr = dict(base_batch_size=128)
