"""Configs built on ours in mmdet's and mmpretrain's own tools (README,
"Configs in mmdet's and mmpretrain's own tools").

From a folder outside the checkout, without PYTHONPATH, as a user of the
installed package: ``python -m ddarts_mm.configs_path`` prints the configs
folder; a config inheriting ours by that absolute path, or through the
``DDARTS_MM_CONFIGS`` environment variable, is read by mmpretrain's and
mmdet's ``print_config.py`` and trained by mmdet's ``tools/train.py``. The
``ddarts_mm::`` form is refused by them (what the table documents).
"""
import os
import os.path as osp
import subprocess
import sys
from pathlib import Path

import pytest

mmdet = pytest.importorskip('mmdet')
mmpretrain = pytest.importorskip('mmpretrain')

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MMDET_TOOLS = Path(mmdet.__file__).parent / '.mim' / 'tools'
MMPRETRAIN_TOOLS = Path(mmpretrain.__file__).parent / '.mim' / 'tools'


def outside(tmp_path, *args, env_extra=None, timeout=600):
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env.update(MPLBACKEND='Agg', OMP_NUM_THREADS='1', **(env_extra or {}))
    proc = subprocess.run([sys.executable, *map(str, args)], cwd=tmp_path,
                          env=env, capture_output=True, text=True,
                          timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def configs_dir(tmp_path) -> str:
    rc, out, err = outside(tmp_path, '-m', 'ddarts_mm.configs_path')
    assert rc == 0, err
    return out.strip()


def test_configs_path_prints_the_installed_configs(tmp_path):
    root = configs_dir(tmp_path)
    assert osp.isabs(root)
    assert osp.isfile(osp.join(root, 'search', 'ddarts_8cells_cifar10.py'))
    assert osp.samefile(root, osp.join(REPO, 'configs'))  # editable
    rc, out, err = outside(tmp_path, '-m', 'ddarts_mm.configs_path',
                           'search/ddarts_8cells_cifar10.py',
                           'ddarts_mm::detection/'
                           'retinanet_do2-resnet18_fpn_1x_coco.py')
    assert rc == 0, err
    assert out.split() == [
        osp.join(root, 'search', 'ddarts_8cells_cifar10.py'),
        osp.join(root, 'detection', 'retinanet_do2-resnet18_fpn_1x_coco.py')]
    rc, out, err = outside(tmp_path, '-m', 'ddarts_mm.configs_path',
                           'search/nope.py')
    assert rc == 2 and err.strip() == (
        f'error: search/nope.py: no such config under {root}')


def _print_config(tool, config, tmp_path, env_extra=None):
    return outside(tmp_path, tool / 'misc' / 'print_config.py', config,
                   env_extra=env_extra)


def test_mmpretrain_print_config_reads_a_base_given_by_path(tmp_path):
    base = osp.join(configs_dir(tmp_path), 'search',
                    'ddarts_8cells_custom-folder.py')
    (tmp_path / 'mine.py').write_text(
        f'_base_ = {base!r}\nmodel = dict(num_classes=5)\n')
    rc, out, err = _print_config(MMPRETRAIN_TOOLS, 'mine.py', tmp_path)
    assert rc == 0, err[-3000:]
    assert "type='ddarts_mm.SplitDataset'" in out
    assert 'num_classes=5' in out and "type='BilevelSearchLoop'" in out


@pytest.mark.parametrize('tools', [MMDET_TOOLS, MMPRETRAIN_TOOLS],
                         ids=['mmdet', 'mmpretrain'])
def test_print_config_reads_a_base_given_by_environment(tmp_path, tools):
    (tmp_path / 'mine.py').write_text(
        "_base_ = '{{$DDARTS_MM_CONFIGS:}}/detection/"
        "retinanet_do2-resnet18_fpn_1x_coco.py'\n"
        'model = dict(backbone=dict(frozen_stages=2))\n')
    env = dict(DDARTS_MM_CONFIGS=configs_dir(tmp_path))
    rc, out, err = _print_config(tools, 'mine.py', tmp_path, env)
    assert rc == 0, err[-3000:]
    assert "genotype='DO-2-ResNet18'" in out and 'frozen_stages=2' in out


def test_the_package_prefix_is_what_their_tools_refuse(tmp_path):
    """Why the table exists: ``ddarts_mm::`` needs ``import ddarts_mm``
    before the config is read, which their scripts do not do."""
    (tmp_path / 'mine.py').write_text(
        "_base_ = 'ddarts_mm::search/ddarts_8cells_cifar10.py'\n")
    rc, out, err = _print_config(MMPRETRAIN_TOOLS, 'mine.py', tmp_path)
    assert rc != 0
    assert 'does not support to load ddarts_mm config' in err


@pytest.mark.slow
def test_mmdet_train_runs_a_config_built_on_ours(tmp_path):
    """mmdet's own tools/train.py on the demo RetinaNet inherited through
    the environment variable: 2 iterations, a checkpoint."""
    from ddarts_mm.datasets import make_coco_shapes
    root = str(make_coco_shapes(tmp_path / 'coco', seed=2, num_train=4,
                                num_val=2, image_size=(128, 128)).root)
    ann = f'{root}/annotations/instances_val2017.json'
    (tmp_path / 'mine.py').write_text(
        "_base_ = '{{$DDARTS_MM_CONFIGS:}}/demo/"
        "retinanet_do2-resnet18_fpn_demo-coco.py'\n"
        f"data_root = {root + '/'!r}\n"
        'train_dataloader = dict(dataset=dict(data_root=data_root))\n'
        'val_dataloader = dict(dataset=dict(data_root=data_root))\n'
        'test_dataloader = val_dataloader\n'
        f'val_evaluator = dict(ann_file={ann!r})\n'
        'test_evaluator = val_evaluator\n'
        'train_cfg = dict(max_iters=2, val_interval=2)\n'
        'default_hooks = dict(checkpoint=dict(interval=2))\n')
    env = dict(DDARTS_MM_CONFIGS=configs_dir(tmp_path))
    rc, out, err = outside(tmp_path, MMDET_TOOLS / 'train.py', 'mine.py',
                           '--work-dir', 'work', env_extra=env)
    assert rc == 0, (out + err)[-3000:]
    assert (tmp_path / 'work' / 'iter_2.pth').is_file()
