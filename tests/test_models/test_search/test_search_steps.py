"""The helpers of the two search steps: labels, frozen alphas, forward."""
import pytest
import torch
import torch.nn as nn

from ddarts_mm.models.search.data_samples import labels_of
from ddarts_mm.models.search.search_steps import (forward_loss,
                                                  requires_grad_off)


def test_labels_from_tensors_and_data_samples():
    assert labels_of(torch.tensor([[1], [2]]), torch.device('cpu')).tolist() \
        == [1, 2]

    class Sample:
        def __init__(self, label):
            self.gt_label = torch.tensor([label])

    assert labels_of([Sample(3), Sample(0)], torch.device('cpu')).tolist() \
        == [3, 0]
    with pytest.raises(ValueError, match='labels'):
        labels_of([], torch.device('cpu'))


def test_requires_grad_off_restores_only_what_it_turned_off():
    on, off = nn.Parameter(torch.ones(1)), nn.Parameter(torch.ones(1))
    off.requires_grad_(False)
    with requires_grad_off([on, off]):
        assert not on.requires_grad and not off.requires_grad
    assert on.requires_grad and not off.requires_grad


def test_forward_loss_unpacks_dicts_and_sequences():
    seen = []

    class Model(nn.Module):
        def forward(self, inputs, data_samples=None, mode='tensor'):
            seen.append((inputs, data_samples, mode))
            return dict(loss=torch.tensor(0.0))

    forward_loss(Model(), dict(inputs=1, data_samples=2))
    forward_loss(Model(), (3, 4))
    assert seen == [(1, 2, 'loss'), (3, 4, 'loss')]
    with pytest.raises(TypeError, match='data_preprocessor'):
        forward_loss(Model(), 5)
