# FairDARTS on CIFAR-10 as its paper and code define it
# (_base_/models/fairdarts_supernet_8cells.py: shared alphas, w01 = 10 over
# all alphas); its optimizers (fairdarts/train_search.py: SGD 0.005 for the
# weights, Adam 3e-3 betas (0.9, 0.999) wd 1e-3 for alpha, cosine, 50
# epochs) are the D-DARTS base's; its genotype is parsed with
# threshold_sparse at 0.85 (our 'sparse', listed first).
_base_ = [
    '../_base_/models/fairdarts_supernet_8cells.py',
    '../_base_/datasets/cifar10_search.py',
    '../_base_/schedules/search_50e.py',
    '../_base_/search_runtime.py',
]
custom_hooks = [
    dict(type='SafeCheckpointHook'),
    dict(type='AblationScheduleHook', interval=1),
    dict(type='AblationLogHook'),
    dict(type='GenotypeHook', methods=['sparse', 'darts', 'edge'],
         threshold=0.85),
]
