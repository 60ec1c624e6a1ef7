# DARTS' ImageNet (mobile setting) schedule: 250 epochs, SGD lr 0.1,
# momentum 0.9, weight decay 3e-5, gradient clipping 5, lr x 0.97 after
# every epoch; tuned for batch 128.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=3e-5),
    clip_grad=dict(max_norm=5.0))
param_scheduler = dict(type='StepLR', step_size=1, gamma=0.97, by_epoch=True)

train_cfg = dict(by_epoch=True, max_epochs=250, val_interval=1)
val_cfg = dict()
test_cfg = dict()

auto_scale_lr = dict(base_batch_size=128)
