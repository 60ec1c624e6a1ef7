"""mmpretrain's ``DataSample`` in and out of the search supernet.

:func:`labels_of` reads the class indices the losses need; a label tensor
does as well. :func:`predictions` writes the scores of ``mode='predict'``.
"""
from typing import List, Optional, Sequence

import torch


def labels_of(data_samples, device: torch.device) -> torch.Tensor:
    """Class indices from mmpretrain ``DataSample``s or a label tensor."""
    if isinstance(data_samples, torch.Tensor):
        return data_samples.to(device).long().view(-1)
    if not data_samples:
        raise ValueError('labels are needed: data_samples is empty')
    return torch.cat([sample.gt_label.view(-1)
                      for sample in data_samples]).to(device).long()


def predictions(scores: torch.Tensor,
                data_samples: Optional[Sequence] = None) -> List:
    """``DataSample`` list with ``pred_score`` and ``pred_label``.

    Args:
        scores (Tensor): ``(N, num_classes)`` class probabilities.
        data_samples (Sequence, optional): The samples to fill in; new
            ones when not a sequence. Defaults to None.
    """
    from mmpretrain.structures import DataSample  # lazy: heavy import
    labels = scores.argmax(dim=1, keepdim=True)
    results = []
    for i in range(scores.size(0)):
        sample = (data_samples[i] if isinstance(data_samples, Sequence)
                  else DataSample())
        sample.set_pred_score(scores[i]).set_pred_label(labels[i])
        results.append(sample)
    return results
