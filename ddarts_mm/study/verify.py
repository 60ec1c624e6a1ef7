"""``tools/study.py --verify N``: do committed records still reproduce?

:func:`verify_records` re-runs a sample of a study's records with today's
code, in a scratch folder and with the settings and thread count each
record carries (:func:`.records.provenance`), and lists every value
that differs (floats compared exactly).
"""
import json
import random
import tempfile
from pathlib import Path
from typing import Callable, List, Sequence

from .grid import StudyRun
from .run import StudySettings, execute_run

#: Values of a record that a re-run must reproduce exactly.
CHECKED_KEYS = ('search_val_top1', 'min_global_loss', 'dominant_pct',
                'genotype_dict', 'decision_curve', 'retrains')


def _differences(old, new, path: str = '') -> List[str]:
    """Paths where two JSON values differ (floats compared exactly)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new)):
            out += _differences(old.get(key), new.get(key), f'{path}.{key}')
        return out
    if isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            return [f'{path}: {len(old)} values, now {len(new)}']
        out = []
        for i, (a, b) in enumerate(zip(old, new)):
            out += _differences(a, b, f'{path}[{i}]')
        return out
    return [] if old == new else [f'{path}: {old!r} -> {new!r}']


def sample_records(records: Sequence[dict], count: int,
                   seed: int = 0) -> List[dict]:
    """``count`` finished records with provenance, drawn with ``seed``."""
    usable = [r for r in records if 'error' not in r and
              isinstance(r.get('provenance'), dict)]
    return random.Random(seed).sample(usable, min(count, len(usable)))


def verify_records(records: Sequence[dict], count: int,
                   log: Callable[[str], None] = print,
                   seed: int = 0) -> List[dict]:
    """Re-run ``count`` sampled records; the ones whose values differ.

    Returns:
        list[dict]: ``dict(run_id=..., differences=[...])`` per differing
        record (empty when all reproduce).
    """
    failures = []
    sample = sample_records(records, count, seed)
    for index, record in enumerate(sample, 1):
        run = StudyRun.from_record(record)
        settings = StudySettings.from_record(record)
        with tempfile.TemporaryDirectory(prefix='study_verify_') as tmp:
            new = execute_run(run, settings, Path(tmp) / run.run_id)
        diffs = []
        for key in CHECKED_KEYS:
            if key in record or key in new:
                diffs += _differences(record.get(key), new.get(key), key)
        status = 'reproduced' if not diffs else (
            f'DIFFERS in {len(diffs)} value(s): ' + '; '.join(diffs[:4]))
        log(f'[verify {index}/{len(sample)}] {run.run_id}: {status}')
        if diffs:
            failures.append(dict(run_id=run.run_id, differences=diffs))
    return failures


def load_records(path: str, option: str = '--records') -> List[dict]:
    """The records of a ``study.json`` (one-line errors naming the
    ``option`` that gave the path)."""
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f'{option}: {path} is not a file')
    try:
        records = json.loads(file.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f'{option}: {path} is not JSON ({err})') from None
    if not isinstance(records, list):
        raise ValueError(f'{option}: {path} holds no list of records')
    return records
