"""A D-DARTS supernet learns real data well above chance (issue 8, 0).

Digits (scikit-learn's handwritten digits, rendered by the demo data maker)
at 16x16, a 5-cell supernet with the exact ablation gradient, the demo
search's optimizers (Adam for the weights, see configs/demo/
search_ddarts_digits.py) and its per-cell wrappers, trained through
``train_step``: after a few epochs the eval-mode top-1 on held-out digits
must be far above the 10% of chance (with SGD at the paper's learning rates
it stayed at chance for as long).
"""
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from ddarts_mm.engine.optimizers import PerCellOptimWrapperConstructor
from ddarts_mm.models.search import DDartsSupernet

pytestmark = pytest.mark.slow


def _digits(root: str, split: str, size: int = 16):
    folder = Path(root) / 'cifar-10-batches-py'
    files = ([folder / f'data_batch_{i}' for i in range(1, 6)]
             if split == 'train' else [folder / 'test_batch'])
    images, labels = [], []
    for path in files:
        with open(path, 'rb') as f:
            batch = pickle.load(f, encoding='latin1')
        images.append(batch['data'])
        labels += batch['labels']
    x = torch.tensor(np.concatenate(images)).float().view(-1, 3, 32, 32)
    x = F.interpolate(x, size=(size, size), mode='area')
    x = (x - x.mean((0, 2, 3), keepdim=True)) / x.std((0, 2, 3), keepdim=True)
    return x, torch.tensor(labels)


def test_supernet_learns_digits_far_above_chance(tmp_path):
    from ddarts_mm.datasets import make_cifar_digits
    root = make_cifar_digits(str(tmp_path / 'digits'), num_train=640,
                             num_val=200).root
    images, labels = _digits(root, 'train')
    val_images, val_labels = _digits(root, 'test')
    torch.manual_seed(0)
    model = DDartsSupernet(num_cells=5, init_channels=8, steps=2)
    wrappers = PerCellOptimWrapperConstructor(dict(
        weights=dict(optimizer=dict(type='Adam', lr=3e-3,
                                    weight_decay=3e-4),
                     clip_grad=dict(max_norm=5.0)),
        arch=dict(optimizer=dict(type='Adam', lr=2e-2, betas=(0.9, 0.999),
                                 weight_decay=1e-3))))(model)
    weights, arch = torch.arange(0, 640, 2), torch.arange(1, 640, 2)
    generator = torch.Generator().manual_seed(0)
    before = [a.detach().clone() for a in model.alpha_list()]
    for epoch in range(6):
        model.search_arch = epoch >= 1  # one weights-only warm-up epoch
        order_w = weights[torch.randperm(320, generator=generator)]
        order_a = arch[torch.randperm(320, generator=generator)]
        for start in range(0, 320, 32):
            w, a = order_w[start:start + 32], order_a[start:start + 32]
            log = model.train_step(
                dict(weights=dict(inputs=images[w], data_samples=labels[w]),
                     arch=dict(inputs=images[a], data_samples=labels[a])),
                wrappers)
            assert torch.isfinite(log['loss'])
    model.eval()
    with torch.no_grad():
        top1 = (model(val_images).argmax(1) == val_labels).float().mean()
    assert top1 > 0.4, f'supernet val top-1 {float(top1):.3f} (chance 0.1)'
    # the search moved every cell's alpha
    assert all(not torch.equal(b, a.detach())
               for b, a in zip(before, model.alpha_list()))
