"""OpenMMLab packaging: model-index.yml, ``ddarts_mm::`` configs, .mim tools.

Run from a temporary folder, outside the source tree, as a user of the
installed package would.
"""
import os
import os.path as osp
import subprocess
import sys

import yaml

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def outside(tmp_path, code: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    return subprocess.run([sys.executable, '-c', code], cwd=tmp_path,
                          env=env, capture_output=True, text=True,
                          timeout=300)


def test_model_index_lists_existing_configs():
    with open(osp.join(REPO, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    names = []
    for meta in index['Import']:
        with open(osp.join(REPO, meta)) as f:
            models = yaml.safe_load(f)['Models']
        for model in models:
            assert osp.isfile(osp.join(REPO, model['Config'])), model['Name']
            assert model['Name'] == osp.splitext(
                osp.basename(model['Config']))[0]
            names.append(model['Name'])
    assert len(names) == len(set(names))
    assert 'do2-resnet18_authors-eval_imagenet' in names


def test_installed_package_carries_configs_tools_and_index(tmp_path):
    result = outside(tmp_path, (
        'import os.path as osp\n'
        'from mmengine.utils import get_installed_path\n'
        "root = osp.join(get_installed_path('ddarts_mm'), '.mim')\n"
        "for name in ('model-index.yml', 'tools/train.py', 'tools/test.py',"
        " 'tools/model_converters/ddarts_to_mm.py',"
        " 'configs/classification/do2-resnet18_authors-eval_imagenet.py'):\n"
        '    assert osp.isfile(osp.join(root, name)), name\n'
        "print('ok')\n"))
    assert result.returncode == 0 and 'ok' in result.stdout, result.stderr


def test_ddarts_mm_config_inheritance_outside_the_tree(tmp_path):
    (tmp_path / 'mine.py').write_text(
        "_base_ = 'ddarts_mm::detection/"
        "retinanet_do2-resnet18-authors_fpn_1x_coco.py'\n"
        'model = dict(backbone=dict(frozen_stages=2))\n')
    """Read by our tools' config reader (mim runs our tools)."""
    result = outside(tmp_path, (
        'from ddarts_mm.configs_path import config_fromfile\n'
        "cfg = config_fromfile('mine.py')\n"
        'print(cfg.model.backbone.genotype, cfg.model.backbone.layout,'
        ' cfg.model.backbone.frozen_stages, cfg.train_cfg.max_epochs)\n'))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ['DO-2-ResNet18', 'authors', '2', '12']


def test_packaged_tools_run_outside_the_tree(tmp_path):
    """What ``mim train/test ddarts_mm`` runs: the packaged tools."""
    result = outside(tmp_path, (
        'import os.path as osp, runpy, sys\n'
        'from mmengine.utils import get_installed_path\n'
        "tool = osp.join(get_installed_path('ddarts_mm'), '.mim', 'tools',"
        " 'model_converters', 'ddarts_to_mm.py')\n"
        "sys.argv = [tool, '--help']\n"
        "runpy.run_path(tool, run_name='__main__')\n"))
    assert result.returncode == 0, result.stderr
    assert '--genotype' in result.stdout


def _index_models() -> dict:
    with open(osp.join(REPO, 'model-index.yml')) as f:
        index = yaml.safe_load(f)
    models = {}
    for meta in index['Import']:
        with open(osp.join(REPO, meta)) as f:
            data = yaml.safe_load(f)
        collections = {c['Name']: c for c in data.get('Collections', [])}
        for model in data['Models']:
            # mim shows a model's own Metadata over its collection's
            meta_data = dict(collections[model['In Collection']].get(
                'Metadata', {}))
            meta_data.update(model.get('Metadata', {}))
            models[model['Name']] = dict(model, Metadata=meta_data)
    return models


def test_model_index_lists_searches_and_cifar_trainings():
    """What ``mim search ddarts_mm`` lists: every search, DARTOpti and
    CIFAR config, and each model under its own architecture."""
    import glob
    models = _index_models()
    for folder in ('search', 'dartopti'):
        for path in glob.glob(osp.join(REPO, 'configs', folder, '*.py')):
            name = osp.splitext(osp.basename(path))[0]
            assert name in models, name
    for path in glob.glob(osp.join(REPO, 'configs', 'classification',
                                   '*cifar*.py')):
        assert osp.splitext(osp.basename(path))[0] in models, path
    for name, model in models.items():
        architecture = model['Metadata']['Architecture']
        for net in ('do2-resnet18', 'do2-resnet50'):
            if net in name and 'cifar100' not in name:
                expected = {'do2-resnet18': 'DO-2-ResNet18',
                            'do2-resnet50': 'DO-2-ResNet50'}[net]
                assert expected in architecture, (name, architecture)
    assert 'DO-2-ResNet18' not in models[
        'mask-rcnn_do2-resnet50-authors_fpn_1x_cityscapes']['Metadata'][
            'Architecture']
