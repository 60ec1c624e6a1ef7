"""ddarts_mm/registry.py; ``import ddarts_mm`` registers nothing, the
modules configs name in ``custom_imports`` register our networks."""
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

#: mmengine's registries a search looks up under default_scope='ddarts_mm'
#: for mmengine's own classes (the warnings of a search before the fix).
ASKED = ('DATA_SAMPLERS', 'OPTIMIZERS', 'OPTIM_WRAPPERS', 'PARAM_SCHEDULERS',
         'WEIGHT_INITIALIZERS', 'EVALUATOR', 'METRICS', 'VISUALIZERS',
         'VISBACKENDS', 'LOG_PROCESSORS', 'TRANSFORMS')


def test_search_lookups_find_a_ddarts_mm_child(tmp_path, caplog):
    """No 'Failed to search registry with scope "ddarts_mm"' fallback."""
    import torch
    from mmengine import registry as mm
    from mmengine.logging import MMLogger
    from mmengine.registry import DefaultScope

    import ddarts_mm.registry as ours
    logger = MMLogger.get_instance('test_registry_scope')
    logger.addHandler(caplog.handler)  # MMLogger has no parent to reach
    param = torch.nn.Parameter(torch.zeros(2))
    optimizer = torch.optim.SGD([param], lr=0.1)
    configs = dict(
        DATA_SAMPLERS=dict(type='DefaultSampler', dataset=list(range(4))),
        OPTIMIZERS=dict(type='SGD', params=[param], lr=0.1),
        OPTIM_WRAPPERS=dict(type='OptimWrapper', optimizer=optimizer),
        PARAM_SCHEDULERS=dict(type='CosineAnnealingLR', optimizer=optimizer,
                              T_max=2),
        EVALUATOR=dict(type='Evaluator', metrics=[]),
        VISBACKENDS=dict(type='LocalVisBackend', save_dir=str(tmp_path)),
        LOG_PROCESSORS=dict(type='LogProcessor'))
    with DefaultScope.overwrite_default_scope('ddarts_mm'), \
            caplog.at_level('WARNING'):
        for name in ASKED:
            root = getattr(mm, name)
            assert root._search_child('ddarts_mm') is getattr(ours, name)
            if name in configs:
                assert root.build(configs[name]) is not None, name
            with root.switch_scope_and_registry('ddarts_mm') as registry:
                assert registry is getattr(ours, name)
    failed = [r.getMessage() for r in caplog.records
              if 'Failed to search registry' in r.getMessage()]
    assert not failed, failed


def test_registries_hold_ours_or_are_asked():
    """The children with locations hold ddarts_mm classes; no stray ones."""
    import ddarts_mm.registry as ours
    from mmengine.registry import Registry
    defined = {name for name, value in vars(ours).items()
               if isinstance(value, Registry)
               and not name.startswith('MMENGINE_')}
    holding = {'MODELS', 'MODEL_WRAPPERS', 'LOOPS', 'HOOKS',
               'OPTIM_WRAPPER_CONSTRUCTORS', 'DATASETS'}
    asked = set(ASKED)
    assert defined == holding | asked
    expected = dict(MODELS='DDartsSupernet',
                    MODEL_WRAPPERS='DDartsDistributedDataParallel',
                    LOOPS='BilevelSearchLoop', HOOKS='GenotypeHook',
                    OPTIM_WRAPPER_CONSTRUCTORS='PerCellOptimWrapperConstructor',
                    DATASETS='SplitDataset')
    for name, cls in expected.items():
        registry = getattr(ours, name)
        assert registry.get(cls) is not None, (name, cls)
        assert cls in registry.module_dict
    for name in asked:
        assert not getattr(ours, name).module_dict, name


def _python(code: str) -> str:
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_import_ddarts_mm_is_light():
    """No torch, no mmengine, no import hook."""
    out = _python(
        'import sys; hooks = list(sys.meta_path); import ddarts_mm; '
        'import ddarts_mm.apis.genotype_cli; '
        "print([m for m in ('torch', 'mmengine', 'mmdet', 'mmpretrain', "
        "'numpy') if m in sys.modules], sys.meta_path == hooks)")
    assert out.split() == ['[]', 'True']


def test_custom_imports_register_the_networks():
    """The ``custom_imports`` of our configs, as mmdet's tools read them."""
    pytest.importorskip('mmdet')
    pytest.importorskip('mmpretrain')
    out = _python(
        'import ddarts_mm\n'
        'from mmengine.config import Config\n'
        "cfg = Config(dict(custom_imports=dict(imports=["
        "'ddarts_mm.models.backbones', 'ddarts_mm.models.classifiers'], "
        'allow_failed_imports=False)))\n'
        'from mmengine.utils import import_modules_from_strings\n'
        'import_modules_from_strings(**cfg.custom_imports)\n'
        'from mmdet.registry import MODELS as DET\n'
        'from mmpretrain.registry import MODELS as CLS\n'
        "net = DET.build(dict(type='DDartsNet', genotype='DO-2-ResNet18', "
        "init_channels=4))\n"
        "print(type(net).__name__, CLS.get('DDartsNet').__name__, "
        "CLS.get('DDartsClassifier').__name__, "
        "CLS.get('DartsAuxHead').__name__)\n")
    lines = out.split()
    assert lines[-4:] == ['DDartsNet', 'DDartsNet', 'DDartsClassifier',
                          'DartsAuxHead']
