"""A whole D-DARTS search through ``tools/train.py`` on CIFAR-format data.

The test writes tiny CIFAR-10 pickles, runs the repository's search config
(``configs/search/ddarts_8cells_cifar10.py``, shrunk to 3 cells, C=4, 2
steps, 2 epochs) with mmpretrain's data pipeline and Accuracy, then checks
that the genotype files validate with ``tools/genotype.py validate`` and
build a ``DDartsNet``, that ``tools/genotype.py derive`` reproduces them
from the checkpoint, and that the ablation scalars were logged.
"""
import glob
import json
import os.path as osp
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
METHODS = ('darts', 'sparse', 'edge')


def write_data(root: Path) -> None:
    from ddarts_mm.datasets import write_cifar_pickles
    rng = np.random.default_rng(0)
    # 2 training images of each class: the class-stratified split gives
    # one to the weights and one to the architecture half
    images = rng.integers(0, 256, (28, 32, 32, 3), dtype=np.uint8)
    labels = [i % 10 for i in range(28)]
    write_cifar_pickles(str(root), images[:20], labels[:20], images[20:],
                        labels[20:], [f'c{i}' for i in range(10)])


def write_config(path: Path, data_root: Path) -> None:
    base = ROOT / 'configs' / 'search' / 'ddarts_8cells_cifar10.py'
    dataset = dict(type='mmpretrain.DemoCIFAR10', data_root=str(data_root))
    loader = dict(batch_size=4, num_workers=0, persistent_workers=False)
    path.write_text(f"""
_base_ = [{str(base)!r}]
custom_imports = dict(imports=['ddarts_mm.engine', 'ddarts_mm.models.search',
                               'ddarts_mm.datasets.split',
                               'ddarts_mm.datasets.demo.cifar_dataset'])
model = dict(num_cells=3, init_channels=4, steps=2)
train_dataloader = dict(dataset=dict(dataset={dataset!r}), **{loader!r})
arch_dataloader = dict(dataset=dict(dataset={dataset!r}), **{loader!r})
val_dataloader = dict(dataset={dataset!r}, **{loader!r})
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=2)
default_hooks = dict(logger=dict(interval=1))
""")



@pytest.mark.slow
def test_search_writes_valid_genotypes(tmp_path):
    pytest.importorskip('mmpretrain')
    from ddarts_mm.apis.genotype_cli import main as genotype_main
    from ddarts_mm.apis.genotype_cli.derive import derive_genotype
    from ddarts_mm.apis.run import train
    from ddarts_mm.models.backbones import DDartsNet
    from ddarts_mm.search_space import Genotype

    write_data(tmp_path / 'cifar')
    config = tmp_path / 'search_tiny.py'
    write_config(config, tmp_path / 'cifar')
    work_dir = tmp_path / 'work'
    assert train([str(config), '--work-dir', str(work_dir)]) == 0

    for tag in ('epoch_1', 'epoch_2', 'final'):
        for method in METHODS:
            path = work_dir / f'genotype_{tag}_{method}.json'
            assert genotype_main(['validate', str(path)]) == 0
    for method in METHODS:
        genotype = Genotype.load(work_dir / f'genotype_final_{method}.json')
        assert genotype.num_layers == 3 and genotype.steps == 2
        assert genotype.reductions == [1, 2]
        net = DDartsNet(genotype, init_channels=8)
        outputs = net(torch.rand(1, 3, 32, 32))
        assert outputs[-1].shape[0] == 1
        # offline parsing of the last checkpoint gives the same genotype
        derived = derive_genotype(str(work_dir / 'epoch_2.pth'), method)
        assert derived.to_dict() == genotype.to_dict()

    # ablation scalars and validation accuracy reached the visualizer
    scalars = glob.glob(str(work_dir / '*' / 'vis_data' / 'scalars.json'))
    assert scalars, list(work_dir.iterdir())
    keys = set()
    with open(scalars[0]) as f:
        for line in f:
            keys.update(json.loads(line))
    assert {'ablation/M_0', 'ablation/M_2', 'ablation/L_AB_1', 'loss',
            'loss_arch', 'genotype/dominant_high_pct'} <= keys
    assert 'accuracy/top1' in keys
    assert osp.isfile(work_dir / 'epoch_2.pth')
