"""Resume an iteration-based detector run: bit for bit the uninterrupted one.

The demo RetinaNet (``IterBasedTrainLoop``, ``InfiniteSampler``,
``RandomFlip``) trains 6 iterations on a tiny demo COCO set through
``tools/train.py``, with a checkpoint every 3 iterations. A second run is
stopped by SIGINT right after its first checkpoint and resumed with
``--resume``: its per-iteration losses (``scalars.json``, window of one
iteration) and its final weights must equal the uninterrupted run's
exactly. mmengine's loop draws the batches it skips and the next one
before any hook runs; the random states must come back in between, and
the sampler must follow the interrupted run's seed (also when the config
has none: ``randomness.seed=None``, as mmdet's own configs).
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch
from helpers import default_sigint

pytest.importorskip('mmdet')

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
RETINANET = osp.join(REPO, 'configs', 'demo',
                     'retinanet_do2-resnet18_fpn_demo-coco.py')
COCO_KW = dict(seed=3, num_train=8, num_val=2, image_size=(128, 128))
ITERS, INTERVAL = 6, 3

CONFIG = '''
_base_ = [{base!r}]
custom_imports = dict(imports=['ddarts_mm.models.backbones',
                               'interrupt_after_checkpoint'])
custom_hooks = [dict(type='InterruptAfterCheckpoint', iteration={stop})]
'''


def _options(root: str, seed: str) -> list:
    root = root.rstrip('/') + '/'
    ann = root + 'annotations/instances_val2017.json'
    return [
        f'train_dataloader.dataset.data_root={root}',
        f'val_dataloader.dataset.data_root={root}',
        f'test_dataloader.dataset.data_root={root}',
        f'val_evaluator.ann_file={ann}', f'test_evaluator.ann_file={ann}',
        f'train_cfg.max_iters={ITERS}', f'train_cfg.val_interval={ITERS}',
        f'default_hooks.checkpoint.interval={INTERVAL}',
        'default_hooks.checkpoint.max_keep_ckpts=-1',
        'default_hooks.logger.interval=1', 'log_processor.window_size=1',
        f'randomness.seed={seed}'
    ]


def _train(config: str, work_dir: str, options: list,
           *flags: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join(
                   [osp.dirname(osp.abspath(__file__)), REPO,
                    os.environ.get('PYTHONPATH', '')]),
               PYTHONWARNINGS='ignore:pkg_resources is deprecated:'
               'UserWarning')
    return subprocess.run(
        [sys.executable, osp.join(REPO, 'tools', 'train.py'), config,
         '--work-dir', work_dir, *flags, '--cfg-options', *options],
        cwd=REPO, capture_output=True, text=True, timeout=600, env=env,
        preexec_fn=default_sigint)  # interrupted by its own SIGINT


def _losses(work_dir: str) -> dict:
    """Iteration -> loss, from every run's ``scalars.json`` in the folder."""
    losses = {}
    for path in glob.glob(osp.join(work_dir, '*', 'vis_data',
                                   'scalars.json')):
        with open(path) as f:
            for line in f:
                record = json.loads(line)
                if 'loss' in record:
                    losses[record['step']] = record['loss']
    return losses


def _weights(path: str) -> dict:
    return torch.load(path, map_location='cpu',
                      weights_only=True)['state_dict']


@pytest.fixture(scope='module')
def coco_root(tmp_path_factory):
    from ddarts_mm.datasets import make_coco_shapes
    return str(make_coco_shapes(tmp_path_factory.mktemp('coco') / 'coco',
                                **COCO_KW).root)


@pytest.mark.slow
@pytest.mark.parametrize('seed', ['0', 'None'])
def test_interrupted_and_resumed_detector_equals_uninterrupted(
        coco_root, tmp_path, seed):
    """``seed``: the config's ``randomness.seed``; the uninterrupted run
    uses the seed the interrupted one drew."""
    interrupted = str(tmp_path / 'interrupted')
    config = tmp_path / 'interrupted.py'
    config.write_text(CONFIG.format(base=RETINANET, stop=INTERVAL))
    run = _train(str(config), interrupted, _options(coco_root, seed))
    assert run.returncode != 0, run.stderr[-3000:]
    assert sorted(n for n in os.listdir(interrupted)
                  if n.endswith('.pth')) == [f'iter_{INTERVAL}.pth']
    run = _train(RETINANET, interrupted, _options(coco_root, seed),
                 '--resume')
    assert run.returncode == 0, run.stderr[-3000:]
    assert f'resumed epoch: 0, iter: {INTERVAL}' in run.stdout + run.stderr

    drawn = torch.load(osp.join(interrupted, f'iter_{INTERVAL}.pth'),
                       weights_only=True)['meta']['seed']
    reference = str(tmp_path / 'reference')
    run = _train(RETINANET, reference, _options(coco_root, str(drawn)))
    assert run.returncode == 0, run.stderr[-3000:]

    expected, got = _losses(reference), _losses(interrupted)
    assert sorted(expected) == list(range(1, ITERS + 1))
    assert got == expected
    final = f'iter_{ITERS}.pth'
    weights = _weights(osp.join(reference, final))
    resumed = _weights(osp.join(interrupted, final))
    assert weights.keys() == resumed.keys()
    different = [k for k in weights if not torch.equal(weights[k],
                                                       resumed[k])]
    assert not different, different[:5]


@pytest.mark.parametrize('configured, expected', [(None, 7), (0, 0)])
def test_resumed_run_without_seed_takes_the_checkpoints(configured,
                                                        expected):
    from mmengine.config import Config

    from ddarts_mm.apis.run import use_resumed_seed
    cfg = Config(dict(randomness=dict(seed=configured, deterministic=False)))
    use_resumed_seed(cfg, dict(meta=dict(seed=7)))
    assert cfg.randomness == dict(seed=expected, deterministic=False)
    use_resumed_seed(cfg, None)  # nothing to resume from
    assert cfg.randomness.seed == expected
