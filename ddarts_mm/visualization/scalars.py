"""Reading the scalars a run logged through mmengine's visualizer.

mmengine's ``LocalVisBackend`` appends one JSON object per call of
``add_scalars`` / ``add_scalar`` to ``<work_dir>/<timestamp>/vis_data/
scalars.json``: the logged values plus ``step`` (the iteration for training
logs, the epoch for validation logs of epoch-based runs). The
:class:`~ddarts_mm.engine.hooks.AblationLogHook` logs each cell's marginal
contribution ``M_i`` and ablation loss ``L_AB^i`` there like any scalar.
"""
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Union

import numpy as np

#: Key patterns of the per-cell marginal contributions M_i; group 1 is the
#: cell index. They accept the names with or without a prefix such as
#: ``ablation/`` or ``train/``.
MARGINAL_PATTERNS = (r'(?:^|/)(?:M|marginal(?:_contribution)?)_?(\d+)$', )
#: Key patterns of the per-cell ablation losses L_AB^i.
ABLATION_LOSS_PATTERNS = (
    r'(?:^|/)(?:L_AB|loss_ab|loss_ablation|ablation_loss)_?(\d+)$', )


@dataclass
class Series:
    """Values of one scalar over a run.

    Args:
        steps (np.ndarray): Step of each value (int64).
        values (np.ndarray): The values (float64).
    """
    steps: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return len(self.values)


def find_scalars_json(work_dir: Union[str, os.PathLike]) -> Optional[Path]:
    """The newest ``<timestamp>/vis_data/scalars.json`` under ``work_dir``.

    Args:
        work_dir (str | PathLike): An mmengine work dir.

    Returns:
        Path | None: The file of the latest run, None if there is none.
    """
    found = sorted(Path(work_dir).glob('*/vis_data/scalars.json'),
                   key=lambda path: (path.stat().st_mtime, str(path)))
    return found[-1] if found else None


def load_scalars(path: Union[str, os.PathLike]) -> List[dict]:
    """Every record of a ``scalars.json`` file, in order.

    A trailing line cut short (a run still writing, or killed) is skipped;
    a malformed line elsewhere raises.

    Args:
        path (str | PathLike): The file.

    Returns:
        list[dict]: One dict per line, each with a ``step`` key.
    """
    path = Path(path)
    lines = path.read_text(encoding='utf-8').splitlines()
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as err:
            if number == len(lines):
                break
            raise ValueError(f'{path}: line {number} is not JSON: '
                             f'{err.msg}') from None
    return records


def scalar_series(records: Sequence[dict], key: str) -> Series:
    """The values of ``key`` over ``records``, in logging order."""
    steps, values = [], []
    for record in records:
        if key in record and isinstance(record[key], (int, float)):
            steps.append(int(record.get('step', len(steps))))
            values.append(float(record[key]))
    return Series(np.asarray(steps, dtype=np.int64),
                  np.asarray(values, dtype=np.float64))


def per_cell_series(records: Sequence[dict],
                    patterns: Sequence[str]) -> Dict[int, Series]:
    """Series of every key matching one of ``patterns``, by cell index.

    Args:
        records (Sequence[dict]): From :func:`load_scalars`.
        patterns (Sequence[str]): Regular expressions whose group 1 is the
            cell index, e.g. :data:`MARGINAL_PATTERNS`. The first pattern
            that matches any key wins, so that one name family is used.

    Returns:
        dict[int, Series]: Cell index to its series, sorted by index.
    """
    keys = sorted({key for record in records for key in record})
    for pattern in patterns:
        regex = re.compile(pattern)
        matched = {}
        for key in keys:
            found = regex.search(key)
            if found:
                matched.setdefault(int(found.group(1)), key)
        if matched:
            return {cell: scalar_series(records, matched[cell])
                    for cell in sorted(matched)}
    return {}


def logged_values(work_dir: Union[str, os.PathLike], key: str) -> List[float]:
    """Every logged value of ``key`` in the latest run under ``work_dir``.

    Args:
        work_dir (str | PathLike): An mmengine work dir.
        key (str): A scalar name, e.g. ``'accuracy/top1'``.

    Returns:
        list[float]: In logging order; empty without a scalars file.
    """
    path = find_scalars_json(work_dir)
    records = load_scalars(path) if path is not None else []
    return [float(r[key]) for r in records
            if isinstance(r.get(key), (int, float))]
