# Runtime of the classification configs (mmpretrain's default_runtime.py
# plus ddarts_mm): mmpretrain scope, DARTS' drop path ramp, checkpoints that
# load with torch.load(weights_only=True), logs and scalars on disk.
_base_ = ['./env_runtime.py']

default_scope = 'mmpretrain'
custom_imports = dict(
    imports=[
        'ddarts_mm.models.backbones', 'ddarts_mm.models.classifiers',
        'ddarts_mm.engine.hooks'
    ],
    allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=100),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='ddarts_mm.AtomicCheckpointHook', interval=1, max_keep_ckpts=3,
        save_best='auto'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='VisualizationHook', enable=False))
custom_hooks = [
    # drop_path_prob = drop_path_rate * epoch / max_epochs (DARTS' ramp)
    dict(type='ddarts_mm.DropPathHook'),
    dict(type='ddarts_mm.SafeCheckpointHook'),
]

visualizer = dict(type='UniversalVisualizer')  # backends: env_runtime.py
