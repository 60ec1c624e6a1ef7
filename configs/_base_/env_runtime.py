# Environment, logging and visualizer shared by default_runtime.py
# (training) and search_runtime.py (search); each sets visualizer.type.
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

# Scalars go to <work_dir>/<timestamp>/vis_data/scalars.json and the search
# hooks' figures to .../vis_data/vis_image/{name}_{epoch}.png. TensorBoard
# too (pip install 'ddarts_mm[tensorboard]'): in a config, write
# visualizer = dict(vis_backends=[dict(type='LocalVisBackend'),
#                                 dict(type='TensorboardVisBackend')])
visualizer = dict(vis_backends=[dict(type='LocalVisBackend')])
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
