"""Time and peak memory of one D-DARTS search iteration, by variant.

Variants (each one whole iteration: architecture step, then weight step):

- ``weights``: the weight step only (warm-up iterations of a search);
- ``fairdarts``: FairDARTS architecture step (no ablation) + weight step;
- ``reference_schedule``: the ablation as the authors' code schedules it:
  n+1 full forwards for the marginal contributions, one more full forward
  and n full backwards (one per cell loss, graph retained, weight
  gradients included) + weight step;
- ``reference``: ``ablation.mode='reference'`` (ablated passes resumed from
  the full pass, under ``no_grad``; FairDARTS gradient);
- ``exact``: ``ablation.mode='exact'`` (the exact gradient of Eq. 8).

An iteration's time is the fastest of its variant's architecture steps
over ``--iters`` rounds (after ``--warmup`` rounds; the slow
``reference_schedule`` is timed once, in the last round) plus the fastest
weight step, which is the same computation in every variant and is timed in
all of them: interference only ever adds time. Variants run round-robin in
one process; times are printed as ratios to the FairDARTS iteration. On
the CPU the clock is this process' CPU time (``--wall`` for wall time) with
one thread by default: on a small shared machine other jobs stretch wall
time at random, and OpenMP threads spin while others hold the cores. On
CUDA the clock is wall time around synchronised steps.

Peak memory (``fairdarts`` and ``exact``), of the architecture step and of
the whole iteration: on CUDA, ``torch.cuda.max_memory_allocated`` growth.
On the CPU, each variant runs in a fresh subprocess that builds the model
and data, resets its peak resident set (``VmHWM``, through
``/proc/self/clear_refs``), runs the architecture step, reads the peak,
runs the weight step and reads it again: the growth over the resident set
before the iteration is the peak. ``MALLOC_MMAP_THRESHOLD_`` is fixed in
that subprocess so that glibc serves tensors by ``mmap`` and returns them
at once when freed: the resident set then follows the live tensors, not
the allocator's cache. (``tracemalloc`` does not see torch's allocations,
and summing saved tensors would miss the transient ones.)

Usage::

    python benchmarks/search_step.py [--batch 16] [--iters 3] [--json]
"""
import argparse
import json
import os
import subprocess
import sys
import time
from typing import Callable, Dict, Tuple

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from mmengine.optim import OptimWrapper, OptimWrapperDict  # noqa: E402

from ddarts_mm.models.search import DDartsSupernet, zero_one_loss  # noqa

VARIANTS = ('weights', 'fairdarts', 'reference_schedule', 'reference',
            'exact')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--cells', type=int, default=8)
    parser.add_argument('--channels', type=int, default=16)
    parser.add_argument('--size', type=int, default=32)
    parser.add_argument('--iters', type=int, default=3,
                        help='timed rounds (default: 3)')
    parser.add_argument('--warmup', type=int, default=1,
                        help='untimed rounds first (default: 1)')
    parser.add_argument(
        '--threads', type=int, default=1,
        help='CPU threads; on a small shared machine more threads make '
        'OpenMP spin and the timings meaningless (default: 1)')
    parser.add_argument('--device', default=None,
                        help='default: cuda if available, else cpu')
    parser.add_argument('--variants', nargs='+', default=list(VARIANTS),
                        choices=VARIANTS)
    parser.add_argument('--wall', action='store_true',
                        help='time the CPU by wall clock, not CPU time')
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the peak-memory measurement')
    parser.add_argument('--json', action='store_true',
                        help='print the results as JSON on the last line')
    parser.add_argument('--memory-probe', choices=VARIANTS,
                        help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def build(args: argparse.Namespace, device: torch.device):
    torch.manual_seed(0)
    model = DDartsSupernet(num_cells=args.cells,
                           init_channels=args.channels).to(device).train()
    wrappers = {
        name: OptimWrapper(torch.optim.Adam([alpha], lr=3e-3,
                                            weight_decay=1e-3))
        for name, alpha in model.arch_parameters().items()
    }
    wrappers['weights'] = OptimWrapper(
        torch.optim.SGD(model.weight_parameters(), lr=0.005, momentum=0.9,
                        weight_decay=3e-4),
        clip_grad=dict(max_norm=5))
    optim_wrapper = OptimWrapperDict(**wrappers)

    def batch(seed: int) -> dict:
        generator = torch.Generator().manual_seed(seed)
        inputs = torch.randn(args.batch, 3, args.size, args.size,
                             generator=generator)
        labels = torch.randint(0, 10, (args.batch, ), generator=generator)
        return dict(inputs=inputs, data_samples=labels)

    data = dict(weights=batch(1), arch=batch(2))
    return model, optim_wrapper, data


def reference_schedule_arch_step(model: DDartsSupernet,
                                 optim_wrapper: OptimWrapperDict,
                                 data: dict) -> None:
    """An architecture step scheduled as in the authors' architect."""
    batch = model.data_preprocessor(data['arch'], True)
    inputs, labels = batch['inputs'], batch['data_samples']
    alphas = model.arch_parameters()
    shape = (model.num_layers, ) + tuple(next(iter(alphas.values())).shape)
    weights = model.deactivation.sample(shape, inputs)
    # marginal contributions: n + 1 full forwards (graphs built, dropped)
    full = F.cross_entropy(model.forward_logits(inputs), labels).item()
    marginal = [
        full - F.cross_entropy(model.forward_logits(inputs, i, weights),
                               labels).item() for i in range(len(alphas))
    ]
    mean = sum(marginal) / len(marginal)
    # one more full forward, then one full backward per cell loss
    ce = F.cross_entropy(model.forward_logits(inputs), labels)
    for i, (name, alpha) in enumerate(alphas.items()):
        l_ab = -(marginal[i] - mean) / mean if mean != 0 else 0.0
        loss = (ce + model.zero_one_weight * zero_one_loss(alpha) +
                model.ablation_cfg['weight'] * l_ab)
        loss.backward(retain_graph=i + 1 < len(alphas))
        optim_wrapper[name].step()
        optim_wrapper[name].zero_grad()
    optim_wrapper['weights'].zero_grad()


def step_fns(variant: str, model: DDartsSupernet,
             optim_wrapper: OptimWrapperDict,
             data: dict) -> Tuple[Callable, Callable]:
    """The architecture step and the weight step of ``variant``."""

    def arch() -> None:
        if variant == 'weights':
            return
        if variant == 'reference_schedule':
            reference_schedule_arch_step(model, optim_wrapper, data)
            return
        model.compute_ablation = variant in ('reference', 'exact')
        if model.compute_ablation:
            model.ablation_cfg['mode'] = variant
        model.arch_step(data['arch'], optim_wrapper)

    def weights() -> None:
        model.search_arch = False
        model.train_step(dict(weights=data['weights']), optim_wrapper)

    return arch, weights


def sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def clock(device: torch.device, wall: bool) -> Callable[[], float]:
    """Wall clock on CUDA (or with ``--wall``), else this process' CPU time."""
    return time.perf_counter if wall or device.type == 'cuda' else (
        time.process_time)


def time_variants(args, device) -> Dict[str, Dict[str, float]]:
    """Seconds per iteration and per architecture step of each variant.

    The weight step is the same computation in every variant: it is timed
    in all of them and the fastest is added to each architecture step.
    """
    model, optim_wrapper, data = build(args, device)
    steps = {v: step_fns(v, model, optim_wrapper, data)
             for v in args.variants}
    now = clock(device, args.wall)
    arch_times = {v: [] for v in args.variants}
    weight_times = []
    rounds = args.warmup + args.iters
    for it in range(rounds):
        for variant, parts in steps.items():
            if variant == 'reference_schedule' and it + 1 < rounds:
                continue  # slow: timed once, in the last round
            elapsed = []
            for step in parts:
                sync(device)
                start = now()
                step()
                sync(device)
                elapsed.append(now() - start)
            if it >= args.warmup or variant == 'reference_schedule':
                arch_times[variant].append(elapsed[0])
                weight_times.append(elapsed[1])
            print(f'  round {it} {variant}: architecture step '
                  f'{elapsed[0]:.3f} s, weight step {elapsed[1]:.3f} s',
                  file=sys.stderr)
    weight = min(weight_times)
    return {v: dict(arch=min(t), iteration=min(t) + weight)
            for v, t in arch_times.items()}


def peak_memory(variant: str, args, device) -> Dict[str, int]:
    """Peak bytes of ``variant``'s architecture step and whole iteration.

    See the module docstring for the method.
    """
    if device.type == 'cuda':
        model, optim_wrapper, data = build(args, device)
        peaks = {}
        torch.cuda.synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        for part, step in zip(('arch', 'iteration'),
                              step_fns(variant, model, optim_wrapper, data)):
            step()
            torch.cuda.synchronize(device)
            peaks[part] = torch.cuda.max_memory_allocated(device) - before
        return peaks
    command = [sys.executable, os.path.abspath(__file__), '--memory-probe',
               variant, '--batch', str(args.batch), '--cells',
               str(args.cells), '--channels', str(args.channels), '--size',
               str(args.size), '--device', 'cpu', '--threads',
               str(args.threads)]
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_='65536',
               MALLOC_TRIM_THRESHOLD_='0')
    out = subprocess.run(command, env=env, check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _proc_status_kib(field: str) -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1])
    raise RuntimeError(f'{field} not in /proc/self/status')


def memory_probe(args) -> None:
    """Print the resident-set growth of each part of one iteration (JSON).

    The peak is the process' ``VmHWM``, reset to the current resident set
    before the iteration (``/proc/self/clear_refs``); ``ru_maxrss`` would
    not do: exec keeps the forking parent's high-water mark in it.
    """
    model, optim_wrapper, data = build(args, torch.device('cpu'))
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')  # reset the high-water mark to the current RSS
    before = _proc_status_kib('VmRSS')
    peaks = {}
    for part, step in zip(('arch', 'iteration'),
                          step_fns(args.memory_probe, model, optim_wrapper,
                                   data)):
        step()
        peaks[part] = (_proc_status_kib('VmHWM') - before) * 1024
    print(json.dumps(peaks))


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.memory_probe:
        memory_probe(args)
        return
    device = torch.device(args.device or (
        'cuda' if torch.cuda.is_available() else 'cpu'))
    if 'fairdarts' not in args.variants:
        args.variants = ['fairdarts'] + list(args.variants)
    threads = (f'{torch.get_num_threads()} threads'
               if device.type == 'cpu' else torch.cuda.get_device_name(device))
    print(f'D-DARTS search iteration: {args.cells} cells, C={args.channels}'
          f', batch {args.batch}, {args.size}x{args.size}, {device} '
          f'({threads}), fastest of {args.iters} after {args.warmup} warm-up'
          f", {'wall' if args.wall or device.type == 'cuda' else 'CPU'} "
          'time')
    times = time_variants(args, device)
    seconds = {v: t['iteration'] for v, t in times.items()}
    base = seconds['fairdarts']
    ratios = {v: seconds[v] / base for v in args.variants}
    for variant in args.variants:
        print(f'{variant:>20}: {seconds[variant]:8.3f} s/iter '
              f'({times[variant]["arch"]:7.3f} s architecture step)   '
              f'{ratios[variant]:5.2f}x FairDARTS')
    result = dict(ratios)
    result['seconds'] = times
    if not args.no_memory:
        method = ('torch.cuda.max_memory_allocated' if device.type == 'cuda'
                  else 'VmHWM growth in a fresh subprocess')
        memory = {v: peak_memory(v, args, device)
                  for v in ('fairdarts', 'exact') if v in args.variants}
        for variant, peaks in memory.items():
            print(f'{variant:>20}: peak {peaks["iteration"] / 2**20:8.1f} MiB'
                  f' per iteration, {peaks["arch"] / 2**20:8.1f} MiB in the '
                  f'architecture step ({method})')
        if 'exact' in memory:
            exact, fair = memory['exact'], memory['fairdarts']
            result['exact_peak_memory'] = exact['iteration'] / fair[
                'iteration']
            result['exact_arch_step_peak_memory'] = exact['arch'] / fair[
                'arch']
            print(f'{"exact / fairdarts":>20}: '
                  f'{result["exact_peak_memory"]:.2f}x peak memory per '
                  f'iteration, {result["exact_arch_step_peak_memory"]:.2f}x '
                  'in the architecture step')
        result['peak_memory_bytes'] = memory
        result['memory_method'] = method
    if args.json:
        print(json.dumps(result))


if __name__ == '__main__':
    main()
