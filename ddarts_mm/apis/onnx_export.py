"""``tools/deployment/pytorch2onnx.py``: ONNX export with dynamic H and W.

A searched classifier (any ``configs/classification`` config: the logits of
``forward(mode='tensor')``) or a detection backbone (``--part backbone`` of
a ``configs/detection`` config: one output a stage) is exported with
torch's ``torch.export``-based exporter, the batch, height and width
dynamic, then run in onnxruntime at the sizes of ``--check`` and compared
with PyTorch (the maximum absolute difference of every output). The
networks have no branch on the input size (``FactorizedReduce`` pads by a
fixed amount), so one ONNX file serves any size, odd ones included.

Requires ``pip install 'ddarts_mm[deploy]'`` (onnx, onnxscript,
onnxruntime). See docs/deployment.md.
"""
import argparse
import os
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

#: Name of the exported graph's input.
INPUT_NAME = 'input'


class TensorModel(nn.Module):
    """The tensors a model computes, as an exporter wants them.

    ``part='model'``: the classifier's ``forward(inputs, mode='tensor')``
    (logits; the auxiliary head is not used). ``part='backbone'``: the
    backbone's stage outputs (a tuple).
    """

    def __init__(self, model: nn.Module, part: str = 'model') -> None:
        super().__init__()
        if part not in ('model', 'backbone'):
            raise ValueError(f"part must be 'model' or 'backbone', got "
                             f'{part!r}')
        self.model = model
        self.part = part

    def forward(self, inputs: torch.Tensor):
        if self.part == 'backbone':
            return tuple(self.model(inputs))
        return self.model(inputs, mode='tensor')


def build_from_config(config: str, checkpoint: Optional[str] = None,
                      part: str = 'model',
                      cfg_options: Optional[dict] = None) -> TensorModel:
    """Build ``config``'s model (or only its backbone), in eval mode.

    Args:
        config (str): A classification or detection config.
        checkpoint (str, optional): Weights, read with
            ``torch.load(weights_only=True)``; for ``part='backbone'`` the
            keys under ``backbone.`` of a classifier's or detector's
            checkpoint. Defaults to None (random weights).
        part (str): 'model' (a classifier) or 'backbone'. Defaults to
            'model'.
        cfg_options (dict, optional): Overrides, as ``--cfg-options``.
            Defaults to None.

    Returns:
        TensorModel: The network to export.
    """
    from mmengine.registry import MODELS, init_default_scope

    from ddarts_mm.configs_path import config_fromfile
    from ddarts_mm.utils import load_checkpoint_safely
    cfg = config_fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model_cfg = cfg.model.backbone if part == 'backbone' else cfg.model
    model_cfg = model_cfg.copy()
    model_cfg.pop('init_cfg', None)  # pretrained weights: --checkpoint
    model = MODELS.build(model_cfg)
    if checkpoint is not None:
        state = load_checkpoint_safely(checkpoint, field='CHECKPOINT')
        state = state.get('state_dict', state)
        if part == 'backbone' and any(k.startswith('backbone.')
                                      for k in state):
            state = {k[len('backbone.'):]: v for k, v in state.items()
                     if k.startswith('backbone.')}
        model.load_state_dict(state, strict=True)
    return TensorModel(model, part).eval()


def output_names(module: nn.Module, size: Tuple[int, int]) -> List[str]:
    """``output`` for one output, ``output_0``... for a tuple."""
    with torch.no_grad():
        outputs = module(torch.zeros(1, 3, *size))
    if isinstance(outputs, torch.Tensor):
        return ['output']
    return [f'output_{i}' for i in range(len(outputs))]


def export_onnx(module: nn.Module, path: str,
                size: Tuple[int, int] = (224, 224),
                dynamic: bool = True, opset: int = 18) -> List[str]:
    """Export ``module`` (input ``(N, 3, H, W)``) to ONNX file ``path``.

    Args:
        module (nn.Module): E.g. a :class:`TensorModel`, in eval mode.
        path (str): The ``.onnx`` file to write.
        size (tuple[int, int]): (H, W) of the example input. Defaults to
            (224, 224).
        dynamic (bool): Batch, height and width dynamic (``torch.export``
            symbols ``batch``, ``height``, ``width``). Defaults to True.
        opset (int): ONNX opset. Defaults to 18.

    Returns:
        list[str]: The graph's output names.
    """
    names = output_names(module, size)
    example = torch.randn(2, 3, *size)
    dynamic_shapes = None
    if dynamic:
        dims = torch.export.Dim.DYNAMIC
        dynamic_shapes = {'inputs': {0: dims, 2: dims, 3: dims}}
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    torch.onnx.export(module, (example, ), path, dynamo=True,
                      input_names=[INPUT_NAME], output_names=names,
                      dynamic_shapes=dynamic_shapes, opset_version=opset,
                      external_data=False, verbose=False)
    return names


def compare_with_onnxruntime(path: str, module: nn.Module,
                             sizes: Sequence[Tuple[int, int]],
                             batch: int = 1,
                             seed: int = 0) -> Dict[Tuple[int, int], float]:
    """Run ONNX file ``path`` in onnxruntime and ``module`` in PyTorch.

    Args:
        path (str): The ONNX file.
        module (nn.Module): The exported module (eval mode).
        sizes (Sequence[tuple[int, int]]): (H, W) of the inputs to try.
        batch (int): Batch size of the inputs. Defaults to 1.
        seed (int): Seed of the random inputs. Defaults to 0.

    Returns:
        dict: (H, W) -> maximum absolute difference over every output.

    Raises:
        ValueError: An output of another shape than PyTorch's.
    """
    import onnxruntime as ort
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    generator = torch.Generator().manual_seed(seed)
    differences = {}
    for height, width in sizes:
        inputs = torch.randn(batch, 3, height, width, generator=generator)
        with torch.no_grad():
            expected = module(inputs)
        if isinstance(expected, torch.Tensor):
            expected = (expected, )
        got = session.run(None, {INPUT_NAME: inputs.numpy()})
        worst = 0.0
        for index, (ref, out) in enumerate(zip(expected, got)):
            if tuple(ref.shape) != out.shape:
                raise ValueError(
                    f'{path}: output {index} at {height}x{width} has shape '
                    f'{out.shape}, PyTorch {tuple(ref.shape)}')
            worst = max(worst, float(np.abs(ref.numpy() - out).max()))
        differences[(height, width)] = worst
    return differences


def _size(text: str) -> Tuple[int, int]:
    try:
        height, width = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'{text!r}: expected HxW, e.g. 225x321') from None
    return height, width


def parser() -> argparse.ArgumentParser:
    from mmengine.config import DictAction
    p = argparse.ArgumentParser(
        description='Export a classifier or a detection backbone to ONNX '
        'with dynamic batch, height and width, and check it in onnxruntime')
    p.add_argument('config', help='classification or detection config')
    p.add_argument('--checkpoint', help='weights (default: random)')
    p.add_argument('--part', choices=['model', 'backbone'], default='model',
                   help="'model': a classifier's logits; 'backbone': the "
                   "stage outputs (e.g. a detector's DDartsNet)")
    p.add_argument('--out', required=True, help='the .onnx file to write')
    p.add_argument('--shape', type=_size, default=(224, 224),
                   help='HxW of the example input (default 224x224)')
    p.add_argument('--static', action='store_true',
                   help='fixed input shape instead of dynamic N, H, W')
    p.add_argument('--opset', type=int, default=18)
    p.add_argument('--check', type=_size, nargs='*', default=[],
                   help='HxW sizes to compare in onnxruntime, e.g. '
                   '200x200 225x321')
    p.add_argument('--cfg-options', nargs='+', action=DictAction,
                   help='override settings of the config, xxx=yyy')
    return p


def main(argv: Optional[List[str]] = None) -> int:
    """Run ``tools/deployment/pytorch2onnx.py``; returns the exit status."""
    args = parser().parse_args(argv)
    module = build_from_config(args.config, args.checkpoint, args.part,
                               args.cfg_options)
    names = export_onnx(module, args.out, args.shape, not args.static,
                        args.opset)
    print(f'{args.out}: {args.part} of {args.config}, outputs '
          f'{", ".join(names)}, {"static" if args.static else "dynamic"} '
          'N, H, W')
    if args.check:
        for (h, w), diff in compare_with_onnxruntime(args.out, module,
                                                     args.check).items():
            print(f'{h}x{w}: max abs difference onnxruntime vs PyTorch '
                  f'{diff:.3g}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
