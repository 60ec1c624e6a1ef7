"""Helpers shared by the tests (``from helpers import ...``).

``tests/`` is on ``sys.path`` (pytest inserts the folder of
``tests/conftest.py``). Small genotypes written out as in the papers, and
the checks several test modules make, as mmdet's
``tests/test_models/test_backbones/utils.py`` keeps them.
"""
import signal
from typing import Iterable, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.utils.data import Dataset

from ddarts_mm.search_space.genotype import Edge, Gene, Genotype

#: DARTS (second order) CIFAR cells, DARTS pairs ``(op, from_node)``.
DARTS_V2_NORMAL = [('sep_conv_3x3', 0), ('sep_conv_3x3', 1),
                   ('sep_conv_3x3', 0), ('sep_conv_3x3', 1),
                   ('sep_conv_3x3', 1), ('skip_connect', 0),
                   ('skip_connect', 0), ('dil_conv_3x3', 2)]
DARTS_V2_REDUCE = [('max_pool_3x3', 0), ('max_pool_3x3', 1),
                   ('skip_connect', 2), ('max_pool_3x3', 1),
                   ('max_pool_3x3', 0), ('skip_connect', 2),
                   ('skip_connect', 2), ('max_pool_3x3', 1)]
#: FairDARTS-a cells, triples ``(op, to_node, from_node)``.
FAIRDARTS_A_NORMAL = [('sep_conv_3x3', 2, 0), ('sep_conv_5x5', 2, 1),
                      ('max_pool_3x3', 4, 0), ('sep_conv_3x3', 5, 0)]
FAIRDARTS_A_REDUCE = [('max_pool_3x3', 2, 0), ('avg_pool_3x3', 2, 1),
                      ('avg_pool_3x3', 3, 0), ('dil_conv_5x5', 3, 1),
                      ('avg_pool_3x3', 4, 0), ('sep_conv_5x5', 4, 1),
                      ('skip_connect', 5, 0), ('skip_connect', 5, 1)]


def edges_of(pairs: Sequence[Tuple[str, int]]) -> List[Edge]:
    """DARTS pairs ``(op, from_node)``, two per node, as edges."""
    return [Edge(op, 2 + k // 2, src) for k, (op, src) in enumerate(pairs)]


def two_gene_genotype(normal: Gene, reduce: Gene, layers: int,
                      name: str = None) -> Genotype:
    """``layers`` layers, reductions at ``layers // 3`` and
    ``2 * layers // 3``."""
    reductions = [layers // 3, 2 * layers // 3]
    return Genotype([normal, reduce],
                    [int(i in reductions) for i in range(layers)],
                    reductions, name=name)


def darts_v2(layers: int = 8) -> Genotype:
    """DARTS_V2 grown DARTS' way (the reduce gene at the two reductions)."""
    return two_gene_genotype(Gene(edges_of(DARTS_V2_NORMAL), [2, 3, 4, 5]),
                             Gene(edges_of(DARTS_V2_REDUCE), [2, 3, 4, 5]),
                             layers, name='DARTS_V2')


def fairdarts_a(layers: int = 20) -> Genotype:
    """FairDARTS-a with the output = nodes receiving edges."""
    return two_gene_genotype(Gene([Edge(*e) for e in FAIRDARTS_A_NORMAL]),
                             Gene([Edge(*e) for e in FAIRDARTS_A_REDUCE]),
                             layers)


def num_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def check_norm_state(modules: Iterable[nn.Module], train_state: bool) -> bool:
    """Whether every BN of ``modules`` is in ``train_state``."""
    return all(m.training == train_state for mod in modules
               for m in mod.modules() if isinstance(m, _BatchNorm))


class RandomImages(Dataset):
    """``n`` random 16x16 images with labels in 0..9 (tensor samples)."""

    def __init__(self, n: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.images = torch.rand(n, 3, 16, 16, generator=generator)
        self.labels = torch.randint(0, 10, (n, ), generator=generator)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> dict:
        return dict(inputs=self.images[index],
                    data_samples=self.labels[index])


def random_images_loader(n: int, seed: int) -> dict:
    """A dataloader config over :class:`RandomImages` (batch 2, shuffled)."""
    return dict(dataset=RandomImages(n, seed), batch_size=2, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=True),
                collate_fn=dict(type='default_collate'))


def assert_same_search_state(model, reference, atol: float = 1e-6) -> None:
    """Alphas and weights of two supernets agree (a resumed run)."""
    for key, alpha in reference.arch_parameters().items():
        torch.testing.assert_close(model.arch_parameters()[key], alpha,
                                   rtol=0, atol=atol)
    for p, q in zip(model.weight_parameters(),
                    reference.weight_parameters()):
        torch.testing.assert_close(p, q, rtol=0, atol=atol)


def default_sigint() -> None:
    """``preexec_fn`` of a child that must answer SIGINT (Ctrl-C): a shell
    starts background jobs with SIGINT ignored, and a Python started so
    would never raise ``KeyboardInterrupt``."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


#: A 3-cell search on 16 + 8 random CIFAR-format images through
#: ``tools/train.py`` (the tests that kill and resume a search): the
#: search base config with tiny sizes, ``{hooks}`` appended to
#: ``custom_hooks``, ``{imports}`` (test modules) to the imports and
#: ``{model}`` to the supernet's arguments.
TINY_SEARCH_CONFIG = '''
_base_ = [{base!r}]
custom_imports = dict(imports=['ddarts_mm.engine', 'ddarts_mm.models.search',
                               'ddarts_mm.datasets.split',
                               'ddarts_mm.datasets.demo.cifar_dataset'
                               ] + {imports!r})
model = dict(num_cells=3, init_channels=4, steps=2, **{model!r})
dataset = dict(type='mmpretrain.DemoCIFAR10', data_root={root!r},
               pipeline=[dict(type='mmpretrain.PackInputs')])
loader = dict(batch_size=8, num_workers=0, persistent_workers=False)
train_dataloader = dict(dataset=dict(dataset=dataset), **loader)
arch_dataloader = dict(dataset=dict(dataset=dataset), **loader)
val_dataloader = dict(dataset=dataset, **loader)
test_dataloader = val_dataloader
train_cfg = dict(max_epochs={epochs}, warmup_epochs={warmup_epochs})
param_scheduler = dict(arch=dict(begin={warmup_epochs}))
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=1, max_keep_ckpts=1))
custom_hooks = [dict(type='SafeCheckpointHook')] + {hooks!r}
randomness = dict(seed=0)
'''


def write_tiny_cifar(root) -> str:
    """16 training and 8 test images (random pixels, 8 classes in both
    halves) as CIFAR-10 pickles in ``root``; returns ``root``."""
    import numpy as np

    from ddarts_mm.datasets import write_cifar_pickles
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (24, 32, 32, 3), dtype=np.uint8)
    labels = [i % 8 for i in range(24)]
    write_cifar_pickles(str(root), images[:16], labels[:16], images[16:],
                        labels[16:], [f'c{i}' for i in range(10)])
    return str(root)


def train_tiny_search(config_path, root: str, work_dir, hooks: list, *,
                      epochs: int, warmup_epochs: int = 0,
                      imports: Sequence = (), flags: Sequence[str] = (),
                      model: Optional[dict] = None):
    """Write :data:`TINY_SEARCH_CONFIG` to ``config_path`` and run it with
    ``tools/train.py`` in a child process; returns the
    ``CompletedProcess``. ``imports``: paths of test modules that register
    ``hooks`` (their folders join the child's ``PYTHONPATH``, with the
    checkout)."""
    import os
    import subprocess
    import sys
    from pathlib import Path
    repo = Path(__file__).resolve().parents[1]
    Path(config_path).write_text(TINY_SEARCH_CONFIG.format(
        base=str(repo / 'configs' / 'search' / 'ddarts_8cells_cifar10.py'),
        root=root, hooks=list(hooks), model=dict(model or {}),
        imports=[Path(module).stem for module in imports], epochs=epochs,
        warmup_epochs=warmup_epochs))
    folders = sorted({str(Path(module).parent) for module in imports})
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [*folders, str(repo), os.environ.get('PYTHONPATH', '')]),
        PYTHONWARNINGS='ignore:pkg_resources is deprecated:UserWarning')
    return subprocess.run(
        [sys.executable, str(repo / 'tools' / 'train.py'), str(config_path),
         '--work-dir', str(work_dir), *flags], capture_output=True,
        text=True, env=env, timeout=900)


def load_script(path):
    """The module of a script that is not in a package (``tools/``,
    ``benchmarks/``), loaded from its file."""
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location(Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
