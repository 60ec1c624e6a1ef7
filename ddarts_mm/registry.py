"""ddarts_mm's registries: children of mmengine's, in scope ``ddarts_mm``.

The search parts (supernet, loops, hooks, optimizer constructors, wrappers)
live here. The evaluation network ``DDartsNet`` is also registered in
mmdet's and mmpretrain's ``MODELS`` (see ``models/backbones``), so their
configs can name it directly.
"""
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

MODELS = Registry('model', parent=MMENGINE_MODELS, scope='ddarts_mm',
                  locations=['ddarts_mm.models',
                             'ddarts_mm.models.classifiers'])
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS,
                          scope='ddarts_mm',
                          locations=['ddarts_mm.engine.wrappers'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, scope='ddarts_mm',
                 locations=['ddarts_mm.engine.loops'])
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='ddarts_mm',
                 locations=['ddarts_mm.engine.hooks'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope='ddarts_mm',
    locations=['ddarts_mm.engine.optimizers'])
PARAM_SCHEDULERS = Registry('parameter scheduler',
                            parent=MMENGINE_PARAM_SCHEDULERS,
                            scope='ddarts_mm',
                            locations=['ddarts_mm.engine.optimizers'])
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='ddarts_mm',
                    locations=['ddarts_mm.datasets',
                               'ddarts_mm.datasets.split'])
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS,
                      scope='ddarts_mm', locations=['ddarts_mm.datasets'])
# No metric of our own (yet): Accuracy, CocoMetric, ... come from
# mmpretrain and mmdet. A location that does not exist would make every
# metric lookup under default_scope='ddarts_mm' fail.
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope='ddarts_mm',
                   locations=[])
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS,
                       scope='ddarts_mm',
                       locations=['ddarts_mm.visualization'])
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS,
                       scope='ddarts_mm',
                       locations=['ddarts_mm.visualization'])
