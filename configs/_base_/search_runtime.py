# Runtime of a D-DARTS search: ddarts_mm scope, search hooks, DDP wrapper.
_base_ = ['./env_runtime.py']

default_scope = 'ddarts_mm'
custom_imports = dict(
    imports=['ddarts_mm.engine', 'ddarts_mm.models.search',
             'ddarts_mm.datasets.split'],
    allow_failed_imports=False)

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'))
custom_hooks = [
    # checkpoints readable by torch.load(weights_only=True), resumable
    dict(type='SafeCheckpointHook'),
    # ablation loss every iteration (its w_ab ramp: ramp_epochs)
    dict(type='AblationScheduleHook', interval=1),
    # M_i and L_AB^i logged; their curves as an image every
    # figure_interval (5) epochs (docs/visualization.md)
    dict(type='AblationLogHook'),
    # genotype_epoch_{k}_{method}.json / genotype_final_{method}.json; the
    # alpha heatmap, network and (at the end) gene graphs as images
    dict(type='GenotypeHook', methods=['darts', 'sparse', 'edge'],
         threshold=0.85),
]

# Used under a distributed launcher (tools/dist_train.sh, --launcher
# pytorch): arch steps all-reduce alpha gradients, weights reduced by DDP.
# The scope prefix is needed: Runner.wrap_model looks the type up in
# mmengine's root registry without the default scope.
model_wrapper_cfg = dict(type='ddarts_mm.DDartsDistributedDataParallel')

visualizer = dict(type='Visualizer')  # backends: env_runtime.py
log_processor = dict(by_epoch=True, window_size=50)
