# DARTS' search schedule (first order): 50 epochs; weights SGD lr 0.025,
# momentum 0.9, wd 3e-4, gradient clipping 5, cosine to 1e-3; alphas Adam
# lr 3e-4, betas (0.5, 0.999), wd 1e-3, constant; genotype parsed as DARTS
# does (the leaf configs' GenotypeHook: top-2 inputs per node, argmax op,
# `none` excluded).
_base_ = ['./search_50e.py']
optim_wrapper = dict(
    weights=dict(optimizer=dict(lr=0.025)),
    arch=dict(optimizer=dict(lr=3e-4, betas=(0.5, 0.999))))
param_scheduler = dict(
    arch=dict(_delete_=True, type='ConstantLR', factor=1.0, by_epoch=True))
