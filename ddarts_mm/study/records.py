"""Records of ``tools/study.py`` that can be checked.

Every run's record carries its :func:`provenance`: the commit (and whether
the tree had uncommitted changes), the versions of the packages that decide
its numbers, the torch thread count (float sums, and so the results, depend
on it) and the settings of the study; :mod:`.verify` re-runs records
from them.
"""
import hashlib
import platform
import subprocess
from pathlib import Path
from typing import Dict, Optional

#: Packages whose versions are recorded.
PACKAGES = ('torch', 'numpy', 'mmengine', 'mmcv', 'mmpretrain', 'mmdet',
            'scikit-learn')
#: torch threads of every run unless told otherwise.
DEFAULT_THREADS = 1


def _git(*args: str) -> Optional[str]:
    root = Path(__file__).resolve().parents[2]
    try:
        done = subprocess.run(['git', *args], cwd=root, capture_output=True,
                              text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def package_versions() -> Dict[str, Optional[str]]:
    from importlib.metadata import PackageNotFoundError, version
    versions: Dict[str, Optional[str]] = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    versions['python'] = platform.python_version()
    return versions


def data_fingerprint(options: Optional[dict]) -> Dict[str, str]:
    """SHA-256 of every file under each ``data_root`` of ``options``: a
    data folder made by another version of the maker is told apart."""
    roots = sorted({value for key, value in (options or {}).items()
                    if key.endswith('data_root') and isinstance(value, str)})
    prints = {}
    for root in roots:
        digest = hashlib.sha256()
        for path in sorted(Path(root).rglob('*')):
            if path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
        prints[root] = digest.hexdigest()
    return prints


def code_version() -> Dict[str, object]:
    """The commit and whether tracked files differ from it, now."""
    status = _git('status', '--porcelain', '--untracked-files=no')
    return dict(commit=_git('rev-parse', 'HEAD'),
                dirty=None if status is None else bool(status))


#: The code this process runs: read when the study starts, not when a
#: record is written (a long study outlives later commits).
PROCESS_CODE = code_version()


def provenance(settings) -> dict:
    """Commit, package versions, threads, data and study settings of a
    run."""
    import torch
    return dict(**PROCESS_CODE,
                versions=package_versions(),
                threads=torch.get_num_threads(),
                data=data_fingerprint({**(settings.search_options or {}),
                                       **(settings.train_options or {})}),
                settings=dict(search_config=settings.search_config,
                              train_config=settings.train_config,
                              parse_method=settings.parse_method,
                              search_options=settings.search_options,
                              train_options=settings.train_options,
                              retrain_seeds=list(settings.retrain_seeds),
                              threads=settings.threads,
                              budget_metric=settings.budget_metric,
                              budget_weight=settings.budget_weight,
                              budget_band=settings.budget_band))
