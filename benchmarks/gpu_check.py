"""The GPU check: one command that measures the D-DARTS search on a device.

Run on a GPU machine from a source checkout (no package index needed:
PyTorch plus the pure-Python wheels brought along, ``PYTHONPATH=.``)::

    python benchmarks/gpu_check.py --device cuda

It finishes in under 8 minutes on one GPU (``--budget-s`` bounds the
measurements; what does not fit is listed as skipped) and writes one JSON
under ``benchmarks/results/`` (``--out`` to choose; written atomically,
after every part, so a run cut short keeps what it measured) with:

1. ``gradient_tests``: the exact-gradient tests (brute force, float64 and
   float32, every schedule, ``sample=k`` unbiased, AMP) run by pytest on
   the device (``DDARTS_TEST_DEVICE``): pass/fail counts, failing ids;
2. ``search_step``: benchmarks/search_step.py's timings on the device
   (FairDARTS, the floor ``reference``, ``exact`` with each schedule,
   ``sample=2``; architecture-step AMP off and on; 5, 8, 14 cells; batch
   16 and 72; C=16, 32x32): synchronised wall time per iteration, ratios
   to FairDARTS and to the floor, peak memory (CUDA only);
3. ``projection`` and ``targets``: a 50-epoch CIFAR-10 search (25,000
   weight images / batch iterations) x time per iteration in GPU-hours
   beside the paper's 0.5 GPU-day, and the issue's targets (8 cells:
   ``exact`` <= 1.6x FairDARTS, ``sample=2`` <= 1.2x the floor, projection
   < 12 h) as booleans;
4. ``real_search``: one epoch of the demo search through tools/train.py
   when mmengine, mmpretrain and mmcv import (skipped, with the reason,
   otherwise).

``--device cpu --smoke`` runs the same code paths with tiny sizes in
seconds (tests/test_tools/test_gpu_check.py). Exit status: 0 when every
part that ran succeeded (targets missed are a measurement, not a failure),
1 when one failed, 2 when the device is not there.
"""
import argparse
import importlib.util
import json
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import traceback
import xml.etree.ElementTree as ElementTree
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Dict, List, Optional, Sequence

import torch

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / 'benchmarks' / 'results'
SEARCH_STEP = REPO / 'benchmarks' / 'search_step.py'
GRADIENT_TESTS = tuple(
    f'tests/test_models/test_search/test_ablation_{name}.py'
    for name in ('gradient', 'schedules', 'sampling'))
#: The smoke run's subset of the gradient tests (pytest ``-k``).
SMOKE_TESTS = ('brute_force and per-cell and float32 and segmented or '
               'unbiased and per-cell-k1 and plain or '
               'bf16_autocast_agrees and plain')
#: The issue's targets (8 cells, batch 16 and 72).
EXACT_VS_FAIRDARTS_MAX = 1.6
SAMPLED_VS_FLOOR_MAX = 1.2
PAPER_GPU_HOURS = 12.0  # 0.5 GPU-day
#: Packages whose versions the JSON records.
PACKAGES = ('torch', 'numpy', 'mmengine', 'mmpretrain', 'mmcv', 'pytest')
#: What the real search (part 4) imports.
MM_PACKAGES = ('mmengine', 'mmpretrain', 'mmcv')
SEARCH_CONFIG = 'configs/demo/search_ddarts_digits.py'
TAIL = 3000  # characters of a subprocess' output kept in the JSON
#: Seconds of the budget part 2 leaves to part 4 (full mode), and the
#: fewest part 4 starts with.
REAL_SEARCH_RESERVE_S, MIN_REAL_SEARCH_S = 90.0, 30.0
#: A subprocess may run this long past the budget before it is stopped
#: (the budget decides what starts; 400 s + 60 s is under 8 minutes).
GRACE_S = 60.0


@dataclass
class Plan:
    """What one run measures (:data:`FULL` or :data:`SMOKE`)."""
    cells: List[int]
    batches: List[int]
    channels: int
    size: int
    iters: int
    warmup: int
    variants: List[str]
    amp_variants: List[str]
    amp_mode: str
    target_cells: int
    test_selection: Optional[str]
    demo_images: Optional[List[int]]  # (train, val); None: the demo's own
    search_options: List[str]


FULL = Plan(
    cells=[8, 5, 14], batches=[16, 72], channels=16, size=32, iters=3,
    warmup=1,
    variants=['fairdarts', 'reference', 'exact', 'exact_plain',
              'exact_batched', 'exact_segmented', 'exact_sample2'],
    amp_variants=['fairdarts', 'reference', 'exact', 'exact_sample2'],
    amp_mode='auto', target_cells=8, test_selection=None, demo_images=None,
    search_options=[])
SMOKE = Plan(
    cells=[3], batches=[2], channels=4, size=8, iters=1, warmup=0,
    variants=list(FULL.variants), amp_variants=list(FULL.amp_variants),
    amp_mode='auto', target_cells=3, test_selection=SMOKE_TESTS,
    demo_images=[40, 20],
    search_options=['train_dataloader.batch_size=8',
                    'arch_dataloader.batch_size=8',
                    'val_dataloader.batch_size=20'])


@dataclass
class DeviceInfo:
    """The device and the software the figures were measured with."""
    device: str
    name: str
    torch_version: str
    cuda_version: Optional[str]
    cudnn_version: Optional[int]
    capability: Optional[str]
    memory_bytes: Optional[int]
    threads: int
    tf32_matmul: bool
    tf32_cudnn: bool
    python: str
    packages: Dict[str, Optional[str]]


@dataclass
class GradientTests:
    """Part 1: pytest's counts on the gradient test files."""
    status: str  # 'ran', 'skipped' or 'error'
    device: str = ''
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    failures: List[str] = field(default_factory=list)
    selection: Optional[str] = None
    files: List[str] = field(default_factory=list)
    returncode: Optional[int] = None
    seconds: float = 0.0
    reason: Optional[str] = None
    output_tail: str = ''
    tf32: bool = True
    #: On CUDA, the failing tests run again with TF32 off.
    tf32_off_rerun: Optional['GradientTests'] = None


@dataclass
class VariantResult:
    """One variant of one configuration (part 2) and its projection."""
    variant: str
    schedule: Optional[str]
    seconds_per_iteration: float
    arch_step_seconds: float
    vs_fairdarts: float
    vs_floor: Optional[float]
    peak_memory_bytes: Optional[int]
    arch_step_peak_memory_bytes: Optional[int]
    search_iterations: int
    projected_hours: float


@dataclass
class ConfigResult:
    """Every variant at one depth, batch and AMP setting."""
    cells: int
    batch: int
    channels: int
    size: int
    arch_amp: str
    amp_dtype: Optional[str]
    variants: Dict[str, VariantResult]
    fastest_exact_schedule: Optional[str]
    seconds: float


@dataclass
class SearchStep:
    """Part 2: search_step.py's measurements on the device."""
    status: str
    clock: str = 'wall time around synchronised steps'
    iters: int = 0
    warmup: int = 0
    search_epochs: int = 0
    search_images: int = 0
    configs: List[ConfigResult] = field(default_factory=list)
    skipped_configs: List[str] = field(default_factory=list)
    failed_configs: List[str] = field(default_factory=list)
    reason: Optional[str] = None


@dataclass
class TargetCheck:
    """Part 3: the issue's targets at one batch (AMP off)."""
    cells: int
    batch: int
    exact_schedule: Optional[str]
    exact_vs_fairdarts: float
    exact_ok: bool
    sampled_vs_floor: float
    sampled_ok: bool
    exact_projected_hours: float
    projection_ok: bool
    fastest_exact_schedule: Optional[str]


@dataclass
class Targets:
    """Part 3: the checks, the thresholds and whether all are met."""
    exact_vs_fairdarts_max: float = EXACT_VS_FAIRDARTS_MAX
    sampled_vs_floor_max: float = SAMPLED_VS_FLOOR_MAX
    projection_max_hours: float = PAPER_GPU_HOURS
    checks: List[TargetCheck] = field(default_factory=list)
    all_met: Optional[bool] = None
    note: str = ''


@dataclass
class Projection:
    """Part 3: the 50-epoch CIFAR-10 search at each measured speed."""
    epochs: int
    images_per_epoch: int
    paper_gpu_hours: float = PAPER_GPU_HOURS
    unit: str = 'hours on this device (GPU-hours on CUDA)'
    rows: List[Dict[str, Any]] = field(default_factory=list)


@dataclass
class RealSearch:
    """Part 4: one short search through tools/train.py."""
    status: str  # 'ran', 'skipped' or 'failed'
    reason: Optional[str] = None
    command: List[str] = field(default_factory=list)
    returncode: Optional[int] = None
    seconds: float = 0.0
    iterations: Optional[int] = None
    iteration_seconds: Optional[float] = None
    loss_arch: Optional[float] = None
    val_top1: Optional[float] = None
    output_tail: str = ''


@dataclass
class Report:
    """The JSON the check writes."""
    mode: str
    command: List[str]
    started: str
    device: DeviceInfo
    plan: Plan
    budget_s: float
    gradient_tests: Optional[GradientTests] = None
    search_step: Optional[SearchStep] = None
    projection: Optional[Projection] = None
    targets: Optional[Targets] = None
    real_search: Optional[RealSearch] = None
    complete: bool = False
    ok: Optional[bool] = None
    seconds: float = 0.0


class Deadline:
    """Seconds left of the run's budget."""

    def __init__(self, budget_s: float) -> None:
        self.start = time.monotonic()
        self.budget_s = budget_s

    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self.start

    def left(self) -> float:
        """Seconds of the budget left (negative once past it)."""
        return self.budget_s - self.elapsed()

    def timeout(self) -> float:
        """A subprocess' time limit: what is left plus :data:`GRACE_S`."""
        return max(self.left(), 0.0) + GRACE_S


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n')[0],
        epilog='On a GPU machine: python benchmarks/gpu_check.py --device '
        'cuda (about 5-8 minutes). On the CPU: --device cpu --smoke.')
    parser.add_argument('--device', default=None,
                        help='cuda, cuda:N or cpu (default: cuda if '
                        'available, else cpu)')
    parser.add_argument('--smoke', action='store_true',
                        help='tiny sizes, a subset of the tests: seconds')
    parser.add_argument('--out', type=Path, default=None,
                        help='the JSON to write (default: benchmarks/'
                        'results/gpu_check_<device>[_smoke].json)')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch CPU threads, pinned and recorded '
                        '(default: 1)')
    parser.add_argument('--budget-s', type=float, default=None,
                        help='seconds the whole check may take: a '
                        'configuration or the real search that would start '
                        'too late is skipped, a subprocess stopped 60 s '
                        'past it (default: 400, smoke: 300)')
    parser.add_argument('--no-tests', action='store_true',
                        help='skip part 1 (the gradient tests)')
    parser.add_argument('--no-real-search', action='store_true',
                        help='skip part 4 (the short real search)')
    return parser.parse_args(argv)


def package_versions(names: Sequence[str]) -> Dict[str, Optional[str]]:
    """Installed version of each package; None where it is absent."""
    from importlib import metadata
    versions: Dict[str, Optional[str]] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            module = sys.modules.get(name)
            versions[name] = getattr(module, '__version__', None)
    return versions


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else platform's."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_device(device: torch.device) -> DeviceInfo:
    """Names the device, torch and the pinned thread count."""
    cuda = device.type == 'cuda'
    props = torch.cuda.get_device_properties(device) if cuda else None
    return DeviceInfo(
        device=str(device),
        name=props.name if props is not None else cpu_name(),
        torch_version=torch.__version__,
        cuda_version=torch.version.cuda,
        cudnn_version=(torch.backends.cudnn.version()
                       if cuda and torch.backends.cudnn.is_available()
                       else None),
        capability=(f'{props.major}.{props.minor}'
                    if props is not None else None),
        memory_bytes=props.total_memory if props is not None else None,
        threads=torch.get_num_threads(),
        tf32_matmul=bool(torch.backends.cuda.matmul.allow_tf32),
        tf32_cudnn=bool(torch.backends.cudnn.allow_tf32),
        python=platform.python_version(),
        packages=package_versions(PACKAGES))


def default_out(info: DeviceInfo, smoke: bool) -> Path:
    """``benchmarks/results/gpu_check_<device name>[_smoke].json``."""
    slug = re.sub(r'[^a-z0-9]+', '-', info.name.lower()).strip('-')
    kind = info.device.split(':')[0]
    return RESULTS / (f'gpu_check_{kind}_{slug or "unknown"}'
                      f'{"_smoke" if smoke else ""}.json')


def write_json(report: Report, path: Path) -> None:
    """Write ``report`` to ``path`` atomically (temporary file, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{path.name}.', dir=path.parent)
    try:
        with os.fdopen(fd, 'w') as f:
            json.dump(asdict(report), f, indent=1)
            f.write('\n')
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def child_env(device: torch.device, threads: int,
              tf32: bool = True) -> Dict[str, str]:
    """Environment of the subprocesses: the checkout importable, the
    test device and thread count set; no GPU seen when the device is the
    CPU."""
    env = dict(os.environ)
    path = env.get('PYTHONPATH')
    env['PYTHONPATH'] = str(REPO) + (os.pathsep + path if path else '')
    env['DDARTS_TEST_DEVICE'] = str(device)
    env['DDARTS_TEST_THREADS'] = str(threads)
    env['OMP_NUM_THREADS'] = str(threads)
    if not tf32:
        env['DDARTS_TEST_TF32'] = '0'
    if device.type == 'cpu':
        env['CUDA_VISIBLE_DEVICES'] = ''
    return env


def tail(text: str) -> str:
    """The last :data:`TAIL` characters of ``text``."""
    return text[-TAIL:]


def run_child(command: List[str], env: Dict[str, str], timeout: float,
              cwd: Path = REPO) -> subprocess.CompletedProcess:
    """Run ``command``; a timeout is returned as exit status 124."""
    try:
        return subprocess.run(command, cwd=cwd, env=env, text=True,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT,
                              timeout=max(timeout, 1.0))
    except subprocess.TimeoutExpired as error:
        out = error.stdout or ''
        if isinstance(out, bytes):
            out = out.decode(errors='replace')
        return subprocess.CompletedProcess(
            command, 124, out + f'\n[timed out after {timeout:.0f} s]', None)


def junit_counts(path: Path, result: GradientTests) -> None:
    """Fill ``result``'s counts and failing ids from pytest's junit XML."""
    root = ElementTree.parse(path).getroot()
    for case in root.iter('testcase'):
        # the node id (these files hold no test classes)
        module = case.get('classname', '').replace('.', '/')
        name = f"{module}.py::{case.get('name', '')}"
        if case.find('failure') is not None:
            result.failed += 1
            result.failures.append(name)
        elif case.find('error') is not None:
            result.errors += 1
            result.failures.append(name)
        elif case.find('skipped') is not None:
            result.skipped += 1
        else:
            result.passed += 1


def run_pytest(tests: Sequence[str], selection: Optional[str],
               device: torch.device, threads: int, timeout: float,
               tf32: bool = True) -> GradientTests:
    """pytest on ``tests`` (files or node ids) with the device set."""
    result = GradientTests(status='ran', device=str(device),
                           selection=selection, files=list(tests),
                           tf32=tf32)
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / 'junit.xml'
        command = [sys.executable, '-m', 'pytest', *tests, '-q', '-p',
                   'no:cacheprovider', '-o', 'addopts=', f'--junitxml={xml}']
        if selection:
            command += ['-k', selection]
        proc = run_child(command, child_env(device, threads, tf32), timeout)
        result.returncode = proc.returncode
        result.output_tail = tail(proc.stdout)
        if xml.exists():
            junit_counts(xml, result)
        found = xml.exists()
    result.seconds = time.monotonic() - start
    if proc.returncode not in (0, 1) or not found:
        result.status = 'error'
        result.reason = f'pytest exited with {proc.returncode}'
    return result


def run_gradient_tests(device: torch.device, plan: Plan, threads: int,
                       deadline: Deadline) -> GradientTests:
    """Part 1: pytest on :data:`GRADIENT_TESTS` on the device (without
    the cases parametrised to the CPU); on CUDA, the failures once more
    with TF32 off."""
    if importlib.util.find_spec('pytest') is None:
        return GradientTests(status='skipped', device=str(device),
                             reason='pytest is not importable')
    selection = plan.test_selection
    if selection is None and device.type != 'cpu':
        selection = 'not cpu'  # the CPU cases: `make test` runs them
    result = run_pytest(GRADIENT_TESTS, selection, device, threads,
                        deadline.timeout())
    if device.type == 'cuda' and result.failures:
        result.tf32_off_rerun = run_pytest(
            result.failures, None, device, threads,
            deadline.timeout(), tf32=False)
    return result


def load_search_step() -> ModuleType:
    """benchmarks/search_step.py as a module (it needs mmengine)."""
    spec = importlib.util.spec_from_file_location('search_step',
                                                  SEARCH_STEP)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def variant_schedule(variant: str, device: torch.device) -> Optional[str]:
    """The schedule of the ablated passes that ``variant`` runs."""
    from ddarts_mm.models.search.ablation_schedules import resolve_schedule
    if not variant.startswith('exact'):
        return None
    _, _, schedule = variant.partition('_')
    if schedule.startswith('sample'):
        return resolve_schedule('auto', device, sampled=True)
    return resolve_schedule(schedule or 'auto', device)


def amp_dtype(mode: str, device: torch.device) -> Optional[str]:
    """The autocast dtype of ``arch_amp=mode`` on ``device``."""
    from ddarts_mm.models.search.arch_amp import ArchAutocast
    dtype = ArchAutocast(mode or False).dtype(device)
    return None if dtype is None else str(dtype).replace('torch.', '')


def search_step_args(module: ModuleType, plan: Plan, cells: int, batch: int,
                     amp: str, variants: List[str], device: torch.device,
                     threads: int) -> argparse.Namespace:
    """search_step.py's arguments for one configuration."""
    args = module.parse_args([
        '--channels', str(plan.channels), '--size', str(plan.size),
        '--iters', str(plan.iters), '--warmup', str(plan.warmup),
        '--threads', str(threads), '--device', str(device), '--variants',
        *variants, '--no-variance', '--no-memory', '--wall', '--arch-amp',
        amp or 'off'])
    args.cells, args.batch = cells, batch  # one configuration, as main()
    return args


def measure_config(module: ModuleType, plan: Plan, cells: int, batch: int,
                   amp: str, variants: List[str], device: torch.device,
                   threads: int) -> ConfigResult:
    """Time (and on CUDA, peak memory of) every variant of one config."""
    start = time.monotonic()
    args = search_step_args(module, plan, cells, batch, amp, variants,
                            device, threads)
    times = module.time_variants(args, device)
    fair = times['fairdarts']['iteration']
    floor = times['reference']['iteration'] if 'reference' in times else None
    results = {}
    for variant, seconds in times.items():
        memory = (module.peak_memory(variant, args, device)
                  if device.type == 'cuda' else None)
        iteration = seconds['iteration']
        results[variant] = VariantResult(
            variant=variant, schedule=variant_schedule(variant, device),
            seconds_per_iteration=iteration,
            arch_step_seconds=seconds['arch'],
            vs_fairdarts=iteration / fair,
            vs_floor=None if floor is None else iteration / floor,
            peak_memory_bytes=None if memory is None else memory['iteration'],
            arch_step_peak_memory_bytes=(None if memory is None else
                                         memory['arch']),
            search_iterations=search_iterations(module, batch),
            projected_hours=module.search_gpu_hours(iteration, batch))
    schedules = {r.schedule: r.seconds_per_iteration
                 for v, r in results.items()
                 if v in ('exact_plain', 'exact_batched', 'exact_segmented')}
    return ConfigResult(
        cells=cells, batch=batch, channels=plan.channels, size=plan.size,
        arch_amp=amp or 'off', amp_dtype=amp_dtype(amp, device),
        variants=results,
        fastest_exact_schedule=(min(schedules, key=schedules.get)
                                if schedules else None),
        seconds=time.monotonic() - start)


def search_iterations(module: ModuleType, batch: int) -> int:
    """Iterations of search_step.py's 50-epoch CIFAR-10 search."""
    return module.SEARCH_EPOCHS * math.ceil(module.SEARCH_IMAGES / batch)


def run_search_step(device: torch.device, plan: Plan, threads: int,
                    deadline: Deadline, reserve_s: float,
                    on_config: Callable[[SearchStep], None]) -> SearchStep:
    """Part 2: every depth x batch x AMP setting that starts with more
    than ``reserve_s`` of the budget left, the target depth first
    (``on_config`` after each)."""
    result = SearchStep(status='ran', iters=plan.iters, warmup=plan.warmup)
    try:
        module = load_search_step()
    except Exception as error:  # noqa: BLE001 (reported in the JSON)
        result.status = 'error'
        result.reason = f'search_step.py does not import: {error!r}'
        return result
    result.search_epochs = module.SEARCH_EPOCHS
    result.search_images = module.SEARCH_IMAGES
    cells_order = sorted(plan.cells, key=lambda c: c != plan.target_cells)
    for cells in cells_order:
        for amp, variants in (('off', plan.variants),
                              (plan.amp_mode, plan.amp_variants)):
            for batch in plan.batches:
                name = f'{cells} cells, batch {batch}, arch_amp {amp}'
                if deadline.left() <= reserve_s:
                    result.skipped_configs.append(f'{name}: over budget')
                    continue
                print(f'[gpu_check] search step: {name}', flush=True)
                try:
                    result.configs.append(measure_config(
                        module, plan, cells, batch,
                        '' if amp == 'off' else amp, variants, device,
                        threads))
                except Exception as error:  # noqa: BLE001 (in the JSON)
                    traceback.print_exc()
                    result.status = 'error'
                    result.failed_configs.append(f'{name}: {error!r}')
                on_config(result)
    return result


def project(search: SearchStep) -> Projection:
    """Part 3: the projected search of every measured variant."""
    rows = [dict(cells=c.cells, batch=c.batch, arch_amp=c.arch_amp,
                 variant=v.variant, iterations=v.search_iterations,
                 seconds_per_iteration=v.seconds_per_iteration,
                 hours=v.projected_hours,
                 vs_paper=v.projected_hours / PAPER_GPU_HOURS)
            for c in search.configs for v in c.variants.values()]
    return Projection(epochs=search.search_epochs,
                      images_per_epoch=search.search_images, rows=rows)


def check_targets(search: SearchStep, plan: Plan,
                  device: torch.device) -> Targets:
    """Part 3: the issue's targets at the target depth, AMP off."""
    targets = Targets(note=(
        f'{plan.target_cells} cells, arch_amp off, {device}'
        + ('' if device.type == 'cuda' else
           ': the targets are for CUDA; on this device they only exercise '
           'the check')))
    for config in search.configs:
        if config.cells != plan.target_cells or config.arch_amp != 'off':
            continue
        exact = config.variants['exact']
        sampled = config.variants['exact_sample2']
        targets.checks.append(TargetCheck(
            cells=config.cells, batch=config.batch,
            exact_schedule=exact.schedule,
            exact_vs_fairdarts=exact.vs_fairdarts,
            exact_ok=exact.vs_fairdarts <= EXACT_VS_FAIRDARTS_MAX,
            sampled_vs_floor=sampled.vs_floor,
            sampled_ok=sampled.vs_floor <= SAMPLED_VS_FLOOR_MAX,
            exact_projected_hours=exact.projected_hours,
            projection_ok=exact.projected_hours < PAPER_GPU_HOURS,
            fastest_exact_schedule=config.fastest_exact_schedule))
    if targets.checks:
        targets.all_met = all(c.exact_ok and c.sampled_ok and c.projection_ok
                              for c in targets.checks)
    return targets


def import_failure(names: Sequence[str], env: Dict[str, str],
                   timeout: float = 120.0) -> Optional[str]:
    """Why ``names`` do not import in a fresh interpreter; None if they
    do."""
    script = '\n'.join(f'import {name}' for name in names)
    proc = run_child([sys.executable, '-c', script], env, timeout)
    if proc.returncode == 0:
        return None
    lines = [line for line in proc.stdout.strip().splitlines() if line]
    return lines[-1] if lines else f'exit status {proc.returncode}'


def run_real_search(device: torch.device, plan: Plan, threads: int,
                    deadline: Deadline) -> RealSearch:
    """Part 4: one epoch of the demo search (no warm-up epochs) through
    tools/train.py, on data written by tools/make_demo_data.py."""
    if deadline.left() < MIN_REAL_SEARCH_S:
        return RealSearch(status='skipped', reason=(
            f'over budget: {deadline.left():.0f} s left'))
    env = child_env(device, threads)
    missing = import_failure(MM_PACKAGES, env)
    if missing is not None:
        return RealSearch(status='skipped', reason=(
            f'{", ".join(MM_PACKAGES)} do not all import: {missing}'))
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        make = [sys.executable, str(REPO / 'tools' / 'make_demo_data.py'),
                'cifar', 'data/demo/cifar_digits']
        if plan.demo_images:
            make += ['--num-train', str(plan.demo_images[0]), '--num-val',
                     str(plan.demo_images[1])]
        proc = run_child(make, env, deadline.timeout(), cwd)
        if proc.returncode != 0:
            return RealSearch(status='failed', reason='make_demo_data.py '
                              f'exited with {proc.returncode}', command=make,
                              returncode=proc.returncode,
                              seconds=time.monotonic() - start,
                              output_tail=tail(proc.stdout))
        command = [sys.executable, str(REPO / 'tools' / 'train.py'),
                   str(REPO / SEARCH_CONFIG), '--work-dir', str(cwd / 'work'),
                   '--cfg-options', 'train_cfg.max_epochs=1',
                   'train_cfg.warmup_epochs=0', *plan.search_options]
        proc = run_child(command, env, deadline.timeout(), cwd)
    ran = proc.returncode == 0
    reason = None if ran else (
        f'tools/train.py exited with {proc.returncode}' +
        (' (timed out)' if proc.returncode == 124 else ''))
    result = RealSearch(
        status='ran' if ran else 'failed', reason=reason, command=command,
        returncode=proc.returncode, seconds=time.monotonic() - start,
        output_tail=tail(proc.stdout))
    read_search_log(proc.stdout, result)
    return result


def last_number(pattern: str, text: str) -> Optional[float]:
    """The number ``pattern``'s group 1 matches last in ``text``."""
    found = re.findall(pattern, text)
    return float(found[-1]) if found else None


def read_search_log(text: str, result: RealSearch) -> None:
    """The last training line's iteration, ``time`` and ``loss_arch`` and
    the last validation accuracy of an mmengine log."""
    train = [line for line in text.splitlines() if 'Epoch(train)' in line]
    last = train[-1] if train else ''
    iteration = last_number(r'\]\[(\d+)/\d+\]', last)
    result.iterations = None if iteration is None else int(iteration)
    result.iteration_seconds = last_number(r' time: ([0-9.]+)', last)
    result.loss_arch = last_number(r'loss_arch: ([-0-9.]+)', last)
    result.val_top1 = last_number(r'accuracy/top1: ([0-9.]+)', text)


def guarded(part: str, run: Callable[[], Any], failed: Callable[[str], Any]
            ) -> Any:
    """``run()``; an exception becomes ``failed(reason)`` (the JSON keeps
    it) instead of ending the check."""
    try:
        return run()
    except Exception as error:  # noqa: BLE001 (reported in the JSON)
        traceback.print_exc()
        return failed(f'{part}: {error!r}')


def overall_ok(report: Report) -> bool:
    """Every part that ran succeeded (targets are not part of it)."""
    tests = report.gradient_tests
    if tests is not None and (tests.status == 'error' or tests.failed
                              or tests.errors):
        return False
    if report.search_step is not None and report.search_step.status != 'ran':
        return False
    return report.real_search is None or report.real_search.status != 'failed'


def summary(report: Report, out: Path) -> str:
    """A few lines for the console."""
    lines = [f'gpu_check ({report.mode}) on {report.device.name} '
             f'({report.device.device}, torch {report.device.torch_version},'
             f' {report.device.threads} threads): {report.seconds:.1f} s']
    tests = report.gradient_tests
    if tests is not None:
        lines.append(f'  gradient tests: {tests.status}, {tests.passed} '
                     f'passed, {tests.failed} failed, {tests.errors} errors'
                     + (f' ({tests.reason})' if tests.reason else ''))
    if report.search_step is not None:
        step = report.search_step
        lines.append(f'  search step: {step.status}, {len(step.configs)} '
                     f'configs, {len(step.skipped_configs)} skipped'
                     + (f' ({step.reason})' if step.reason else ''))
    for check in (report.targets.checks if report.targets else []):
        lines.append(
            f'  targets, {check.cells} cells, batch {check.batch}: exact '
            f'({check.exact_schedule}) {check.exact_vs_fairdarts:.2f}x '
            f'FairDARTS [{"ok" if check.exact_ok else "MISSED"}], sample=2 '
            f'{check.sampled_vs_floor:.2f}x floor '
            f'[{"ok" if check.sampled_ok else "MISSED"}], 50-epoch search '
            f'{check.exact_projected_hours:.2f} h '
            f'[{"ok" if check.projection_ok else "MISSED"}]')
    if report.real_search is not None:
        lines.append(f'  real search: {report.real_search.status}'
                     + (f' ({report.real_search.reason})'
                        if report.real_search.reason else ''))
    lines.append(f'  wrote {out}')
    return '\n'.join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the check; 0 when every part that ran succeeded, 1 when one
    failed, 2 when the device is not there."""
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    device = torch.device(args.device or (
        'cuda' if torch.cuda.is_available() else 'cpu'))
    if device.type == 'cuda' and not torch.cuda.is_available():
        print(f'gpu_check.py: error: --device {device}: CUDA is not '
              'available here (--device cpu --smoke on a CPU)',
              file=sys.stderr)
        return 2
    plan = SMOKE if args.smoke else FULL
    budget = args.budget_s if args.budget_s is not None else (
        300.0 if args.smoke else 400.0)
    deadline = Deadline(budget)
    info = describe_device(device)
    out = args.out or default_out(info, args.smoke)
    report = Report(mode='smoke' if args.smoke else 'full',
                    command=[sys.executable, *sys.argv] if argv is None
                    else ['gpu_check.py', *argv],
                    started=datetime.now(timezone.utc).isoformat(
                        timespec='seconds'),
                    device=info, plan=plan, budget_s=budget)

    def save() -> None:
        report.seconds = deadline.elapsed()
        write_json(report, out)

    reserve = (0.0 if args.smoke or args.no_real_search else
               REAL_SEARCH_RESERVE_S)
    if not args.no_tests:
        print('[gpu_check] gradient tests', flush=True)
        report.gradient_tests = guarded(
            'gradient tests',
            lambda: run_gradient_tests(device, plan, args.threads,
                                       deadline),
            lambda reason: GradientTests(status='error', reason=reason))
        save()

    def on_config(step: SearchStep) -> None:
        report.search_step = step
        report.projection = project(step)
        report.targets = guarded(
            'targets', lambda: check_targets(step, plan, device),
            lambda reason: Targets(note=reason))
        save()

    on_config(guarded(
        'search step',
        lambda: run_search_step(device, plan, args.threads, deadline,
                                reserve, on_config),
        lambda reason: SearchStep(status='error', reason=reason)))
    if args.no_real_search:
        report.real_search = RealSearch(status='skipped',
                                        reason='--no-real-search')
    else:
        print('[gpu_check] real search', flush=True)
        report.real_search = guarded(
            'real search',
            lambda: run_real_search(device, plan, args.threads, deadline),
            lambda reason: RealSearch(status='failed', reason=reason))
    report.complete = True
    report.ok = overall_ok(report)
    save()
    print(summary(report, out))
    return 0 if report.ok else 1


if __name__ == '__main__':
    sys.exit(main())
