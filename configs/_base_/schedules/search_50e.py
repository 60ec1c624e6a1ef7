# D-DARTS search schedule (reference hyper-parameters): 50 epochs; weights
# SGD lr 0.005, momentum 0.9, wd 3e-4, gradient clipping 5, cosine to 1e-3;
# every alpha set its own Adam (lr 3e-3, betas (0.9, 0.999), wd 1e-3) and
# its own cosine schedule to 1e-3. Per-set changes: optim_wrapper
# arch_overrides={'alpha_3': dict(optimizer=dict(lr=1e-3))} and
# param_scheduler alpha_3=dict(...).
optim_wrapper = dict(
    constructor='PerCellOptimWrapperConstructor',
    weights=dict(
        type='OptimWrapper',
        optimizer=dict(type='SGD', lr=0.005, momentum=0.9,
                       weight_decay=3e-4),
        clip_grad=dict(max_norm=5.0)),
    arch=dict(
        type='OptimWrapper',
        optimizer=dict(type='Adam', lr=3e-3, betas=(0.9, 0.999),
                       weight_decay=1e-3)))

# Keyed by wrapper: 'arch' is expanded to every alpha set by the loop.
param_scheduler = dict(
    weights=dict(type='CosineAnnealingLR', eta_min=1e-3, by_epoch=True),
    arch=dict(type='CosineAnnealingLR', eta_min=1e-3, by_epoch=True))

train_cfg = dict(type='BilevelSearchLoop', max_epochs=50, warmup_epochs=0,
                 val_interval=1)
val_cfg = dict()
test_cfg = dict()
