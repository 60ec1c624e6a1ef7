"""What every stage of the demo shares: the settings, the project root, the
stage folders and results, and the error a stage raises.

The demo runs the ``tools/*.py`` scripts and reads the ``configs/`` of a
source checkout of ddarts_mm; :func:`find_project_root` is the one place
that finds it. This module imports nothing of the demo's other modules.
"""
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

#: The stages, in pipeline order.
STAGES = ('data', 'search', 'train', 'detection', 'report')
#: Name of the file that marks a stage as complete and holds its results.
RESULT_FILE = 'result.json'
#: Exit status of a failed stage.
EXIT_STAGE_FAILED = 1
#: Exit status of bad usage: a bad flag (argparse) or no project root.
EXIT_USAGE = 2
#: Environment variable naming the checkout the demo runs from.
ROOT_ENV = 'DDARTS_MM_ROOT'
#: What makes a folder a checkout the demo can run from.
ROOT_FOLDERS = ('configs', 'tools')


class DemoError(RuntimeError):
    """A stage cannot run or failed; the message says which and why."""


def _is_checkout(folder: Path) -> bool:
    return all((folder / name).is_dir() for name in ROOT_FOLDERS)


def find_project_root(root: Optional[os.PathLike] = None) -> Path:
    """The source checkout whose ``configs/`` and ``tools/`` the demo uses.

    Args:
        root (path-like, optional): The checkout. Defaults to
            ``$DDARTS_MM_ROOT`` if set, else the folder holding the
            ``ddarts_mm`` package (an editable install: ``pip install -e
            .``), else the current directory.

    Returns:
        Path: The absolute checkout.

    Raises:
        DemoError: The folder asked for, or each of the default ones,
            lacks ``configs/`` or ``tools/``.
    """
    if root is None and os.environ.get(ROOT_ENV):
        root = os.environ[ROOT_ENV]
    if root is not None:
        candidates = [Path(root).absolute()]
    else:
        candidates = [Path(__file__).resolve().parents[2], Path.cwd()]
    for candidate in candidates:
        if _is_checkout(candidate):
            return candidate
    tried = ', '.join(str(c) for c in dict.fromkeys(candidates))
    raise DemoError(
        f'no ddarts_mm checkout (a folder with '
        f'{" and ".join(f"{name}/" for name in ROOT_FOLDERS)}) at {tried}: '
        'the demo runs the tools/ scripts and configs/ of a '
        f'source checkout; run it from one or set {ROOT_ENV}=<checkout>')


def shown_path(path: os.PathLike, root: Optional[os.PathLike] = None) -> str:
    """``path`` relative to ``root`` (the project) if inside it, else
    absolute."""
    path = Path(path).absolute()
    if root is not None:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            pass
    return str(path)


@dataclass
class DemoContext:
    """What every stage needs to know.

    Args:
        work_dir (Path): Root of the demo's outputs.
        data_root (Path): Where the data stage writes the demo sets.
        quick (bool): Tiny version of every stage.
        seed (int): Seed of the data and the runs.
        method (str): Parsing method of the genotype that is grown and
            trained ('darts', 'sparse' or 'edge').
        layers (int): Layers of the grown network (Algorithm 1).
        python (str): Interpreter of the ``tools/*.py`` subprocesses.
        threads (int): torch threads of the search, and how many of the
            other runs (one thread each) run at a time. The figures depend
            on it, not on the machine's cores.
        logger (logging.Logger, optional): mmengine logger of the demo.
        root (Path, optional): The checkout of ``configs/`` and ``tools/``;
            defaults to :func:`find_project_root`'s (raises DemoError
            without one).
    """
    work_dir: Path
    data_root: Path
    quick: bool = False
    seed: int = 0
    method: str = 'darts'
    layers: int = 8
    python: str = sys.executable
    threads: int = 2
    logger: Optional[object] = field(default=None, repr=False)
    root: Optional[Path] = None

    def __post_init__(self) -> None:
        self.root = find_project_root(self.root)

    def stage_dir(self, stage: str) -> Path:
        return self.work_dir / stage

    def project_path(self, relative: str) -> Path:
        """A file of the checkout (``configs/...``, ``tools/...``)."""
        path = self.root / relative
        if not path.exists():
            raise DemoError(f'{path} not found in the ddarts_mm checkout '
                            f'{self.root}')
        return path

    def shown(self, path: os.PathLike) -> str:
        """``path`` as :func:`shown_path` writes it for this checkout."""
        return shown_path(path, self.root)

    def log(self, message: str) -> None:
        if self.logger is not None:
            self.logger.info(message)
        else:
            print(message, flush=True)

    def result(self, stage: str) -> dict:
        """The results of an earlier ``stage``; raise if it has not run."""
        path = self.stage_dir(stage) / RESULT_FILE
        if not path.is_file():
            raise DemoError(
                f'this stage needs the outputs of stage {stage!r} ({path} is '
                f'missing): run `python tools/demo.py --stage {stage}'
                f'{" --quick" if self.quick else ""}` first')
        result = json.loads(path.read_text())
        if bool(result.get('quick')) != self.quick:
            raise DemoError(
                f'stage {stage!r} in {self.work_dir} was run '
                f'{"with" if result.get("quick") else "without"} --quick; '
                f'rerun it {"with" if self.quick else "without"} --quick or '
                'use another --work-dir')
        return result

    def optional_result(self, stage: str) -> Optional[dict]:
        """The results of ``stage``, or None when it has not run."""
        try:
            return self.result(stage)
        except DemoError:
            return None
