"""ddarts_mm's registries: children of mmengine's, in scope ``ddarts_mm``.

As in ``mmdet/registry.py``, every registry that a run under
``default_scope='ddarts_mm'`` (a search) looks things up in has a child
here: without one, mmengine warns ``Failed to search registry with scope
"ddarts_mm" in the "..." registry tree`` and falls back to its root. The
ones that only resolve mmengine's own classes (``DefaultSampler``, ``SGD``,
``OptimWrapper``, ``CosineAnnealingLR``, ``Visualizer``...) have no
``locations``: they hold nothing of ours and find everything in their
parent. Registries a search never asks (runners, task utils,
inferencers...) are not defined.

The search parts (supernet, loops, hooks, optimizer constructors, wrappers,
the train/arch split) are registered here. The evaluation network
``DDartsNet``, ``DDartsClassifier`` and ``DartsAuxHead`` are also registered
in mmdet's and mmpretrain's ``MODELS`` by the modules that define them (a
config names those in its ``custom_imports``; see :mod:`ddarts_mm`), so
their configs can name them directly.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import \
    WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

# ------------------------------------------------ registries holding ours
MODELS = Registry('model', parent=MMENGINE_MODELS, scope='ddarts_mm',
                  locations=['ddarts_mm.models',
                             'ddarts_mm.models.classifiers',
                             'ddarts_mm.models.heads'])
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
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='ddarts_mm',
                    locations=['ddarts_mm.datasets.split'])

# ----------------- asked by a search, resolved in mmengine's (no locations)
DATA_SAMPLERS = Registry('data sampler', parent=MMENGINE_DATA_SAMPLERS,
                         scope='ddarts_mm')
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS,
                      scope='ddarts_mm')
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS,
                          scope='ddarts_mm')
PARAM_SCHEDULERS = Registry('parameter scheduler',
                            parent=MMENGINE_PARAM_SCHEDULERS,
                            scope='ddarts_mm')
WEIGHT_INITIALIZERS = Registry('weight initializer',
                               parent=MMENGINE_WEIGHT_INITIALIZERS,
                               scope='ddarts_mm')
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR,
                     scope='ddarts_mm')
# mmpretrain's datasets build their pipelines under the current scope
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS,
                      scope='ddarts_mm')
# Accuracy comes from mmpretrain (configs write 'mmpretrain.Accuracy').
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope='ddarts_mm')
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS,
                       scope='ddarts_mm')
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS,
                       scope='ddarts_mm')
LOG_PROCESSORS = Registry('log_processor', parent=MMENGINE_LOG_PROCESSORS,
                          scope='ddarts_mm')
