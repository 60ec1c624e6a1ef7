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
- ``exact``: ``ablation.mode='exact'`` (the exact gradient of Eq. 8),
  with the device's default schedule of the ablated passes; ``exact_plain``,
  ``exact_batched`` and ``exact_segmented`` force one
  (``ablation.schedule``);
- ``exact_sample<k>``: ``ablation.sample=k`` (every ablated pass forward,
  ``k`` of them back-propagated: an unbiased estimate of the gradient).

``reference`` is also the **floor** of any method that knows every
``L_-k``: a FairDARTS iteration plus the ``n`` ablated forwards (resumed
from the full pass) under ``no_grad``; the sampled variants are printed as
ratios to it too. For each depth the relative variance of the sampled
estimate of ``dS/dw`` (``S = sum_k L_-k``) and of the alpha gradient it
gives is printed against ``k`` (``--no-variance`` skips it): computed from
the ``n`` per-pass gradients of one architecture batch, for ``k`` drawn
without replacement: ``Var = (n^2 / k) sigma^2 (n - k) / (n - 1)``.

An iteration's time is the fastest of its variant's architecture steps
over ``--iters`` rounds (after ``--warmup`` rounds; the slow
``reference_schedule`` is timed once, in the last round) plus the fastest
weight step, which is the same computation in every variant and is timed in
all of them: interference only ever adds time. Variants run round-robin in
one process; times are printed as ratios to the FairDARTS iteration. On
the CPU the clock is this process' CPU time (``--wall`` for wall time) with
one thread by default: on a small shared machine other jobs stretch wall
time at random, and OpenMP threads spin while others hold the cores. On
CUDA the clock is wall time around synchronised steps, and the wall time
of an iteration is projected to a 50-epoch CIFAR-10 search (25,000 weight
and 25,000 architecture images per epoch, ``ceil(25000 / batch)``
iterations) in GPU-hours, beside the paper's 0.5 GPU-day.

``--cells`` and ``--batch`` take several values: every combination is
measured (the paper searches with batch 72 on CIFAR), and the growth of
the exact/FairDARTS ratio with the number of cells is printed.

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

    python benchmarks/search_step.py [--cells 5 8 14 20] [--batch 16 72]
        [--iters 3] [--warmup 1] [--variants fairdarts exact exact_sample2]
        [--arch-amp auto]
        [--json]
        [--output benchmarks/results/NAME.json]
"""
import argparse
import copy
import json
import math
import os
import re
import subprocess
import sys
import time
from typing import Callable, Dict, List, Tuple, Union

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))

from mmengine.optim import OptimWrapper, OptimWrapperDict  # noqa: E402

from ddarts_mm.models.search import (  # noqa: E402
    Architect, DDartsSupernet, arch_gradients, zero_one_loss)
from ddarts_mm.models.search import ablation_schedules  # noqa: E402
from ddarts_mm.models.search.arch_amp import AMP_MODES  # noqa: E402
from ddarts_mm.models.search.losses import (  # noqa: E402
    ablation_gradient_coefficients, ablation_scale)

VARIANTS = ('weights', 'fairdarts', 'reference_schedule', 'reference',
            'exact', 'exact_plain', 'exact_batched', 'exact_segmented',
            'exact_sample2')
#: ``exact_sample<k>`` (any ``k >= 1``; ``exact_sample2`` is a default).
SAMPLED = re.compile(r'exact_sample([1-9][0-9]*)')
#: CIFAR-10 search: 50 epochs over 25,000 weight + 25,000 arch images.
SEARCH_EPOCHS, SEARCH_IMAGES = 50, 25000
PAPER_GPU_HOURS = 12.0  # 0.5 GPU-day


def variant_name(name: str) -> str:
    """``name`` if it is a variant (argparse type)."""
    if name not in VARIANTS and not SAMPLED.fullmatch(name):
        raise argparse.ArgumentTypeError(
            f'unknown variant {name!r}: expected one of {VARIANTS} or '
            'exact_sample<k>')
    return name


def amp_mode(text: str) -> Union[bool, str]:
    """An ``arch_amp`` mode (argparse type): 'none'/'off' is off."""
    if text in ('none', 'off', 'false', 'False'):
        return False
    if text not in AMP_MODES:
        raise argparse.ArgumentTypeError(
            f'unknown arch_amp {text!r}: expected off, auto, bf16 or fp16')
    return text


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, nargs='+', default=[16],
                        help='one or more batch sizes (paper: 72)')
    parser.add_argument('--cells', type=int, nargs='+', default=[8],
                        help='one or more supernet depths, e.g. 5 8 14')
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
                        type=variant_name,
                        help=f'some of {VARIANTS} or exact_sample<k>')
    parser.add_argument('--no-variance', action='store_true',
                        help='skip the variance of the sampled estimate')
    parser.add_argument('--wall', action='store_true',
                        help='time the CPU by wall clock, not CPU time')
    parser.add_argument(
        '--arch-amp', default=False, type=amp_mode,
        help="the architect's arch_amp: mixed precision of the architecture "
        "steps ('auto', 'bf16', 'fp16'; default: off)")
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the peak-memory measurement')
    parser.add_argument('--json', action='store_true',
                        help='print the results as JSON on the last line')
    parser.add_argument('--output', help='also write the JSON to this file')
    parser.add_argument('--memory-probe', type=variant_name,
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


def variant_architect(variant: str, model: DDartsSupernet,
                      arch_amp: Union[bool, str] = False) -> Architect:
    """The :class:`Architect` of ``variant``: the default options but its
    ablation mode, schedule and ``sample``, on ``model``'s device."""
    match = SAMPLED.fullmatch(variant)
    if match is not None:
        ablation = dict(mode='exact', sample=int(match.group(1)))
    elif variant.startswith(('reference', 'exact')) and (
            variant != 'reference_schedule'):
        mode, _, schedule = variant.partition('_')
        ablation = dict(mode=mode, schedule=schedule or 'auto')
    else:  # 'fairdarts'; 'weights' and 'reference_schedule' take none
        ablation = dict(mode='none')
    architect = Architect(len(model.alpha_list()), ablation, arch_amp)
    return architect.to(model.alpha_list()[0].device)


def reference_schedule_arch_step(model: DDartsSupernet,
                                 architect: Architect,
                                 optim_wrapper: OptimWrapperDict,
                                 data: dict) -> None:
    """An architecture step scheduled as in the authors' architect."""
    batch = model.data_preprocessor(data['arch'], True)
    inputs, labels = batch['inputs'], batch['data_samples']
    alphas = model.arch_parameters()
    shape = (model.num_layers, ) + tuple(next(iter(alphas.values())).shape)
    weights = architect.deactivation.sample(shape, inputs)
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
                architect.ablation_options.weight * l_ab)
        loss.backward(retain_graph=i + 1 < len(alphas))
        optim_wrapper[name].step()
        optim_wrapper[name].zero_grad()
    optim_wrapper['weights'].zero_grad()


def step_fns(variant: str, model: DDartsSupernet,
             optim_wrapper: OptimWrapperDict, data: dict,
             arch_amp: Union[bool, str] = False) -> Tuple[Callable, Callable]:
    """The architecture step and the weight step of ``variant`` (each
    variant's steps taken by its own :func:`variant_architect`)."""
    architect = variant_architect(variant, model, arch_amp)

    def arch() -> None:
        if variant == 'weights':
            return
        if variant == 'reference_schedule':
            reference_schedule_arch_step(model, architect, optim_wrapper,
                                         data)
            return
        architect.step(model, data['arch'], optim_wrapper)

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
    amp = getattr(args, 'arch_amp', False)
    steps = {v: step_fns(v, model, optim_wrapper, data, amp)
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
    if not args.no_variance:
        report_variance(model, data, args.variance)
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
                              step_fns(variant, model, optim_wrapper, data,
                                       getattr(args, 'arch_amp', False))):
            step()
            torch.cuda.synchronize(device)
            peaks[part] = torch.cuda.max_memory_allocated(device) - before
        return peaks
    command = [sys.executable, os.path.abspath(__file__), '--memory-probe',
               variant, '--batch', str(args.batch), '--cells',
               str(args.cells), '--channels', str(args.channels), '--size',
               str(args.size), '--device', 'cpu', '--threads',
               str(args.threads), '--arch-amp',
               str(getattr(args, 'arch_amp', False) or 'off')]
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
                                   data, getattr(args, 'arch_amp', False))):
        step()
        peaks[part] = (_proc_status_kib('VmHWM') - before) * 1024
    print(json.dumps(peaks))


def sampled_relative_variance(model: DDartsSupernet, data: dict
                              ) -> Dict[int, Dict[str, float]]:
    """Relative variance of the sampled estimates against ``k``.

    From the ``n`` per-pass gradients ``g_j = dL_-j/dw`` of one
    architecture batch: with ``k`` passes drawn without replacement, the
    estimate ``(n/k) sum_{j drawn} g_j`` of ``dS/dw`` has, per coordinate,
    ``Var = (n^2 / k) sigma^2 (n - k) / (n - 1)`` (``sigma^2`` the variance
    over the passes). ``sum``: ``E|est - dS/dw|^2 / |dS/dw|^2``; ``alpha``:
    the same for the alpha gradient of Eq. 8 it enters (times ``b_i``
    and ``sigmoid'``), over the exact alpha gradient's squared norm.
    """
    batch = model.data_preprocessor(data['arch'], True)
    inputs, labels = batch['inputs'], batch['data_samples']
    alphas = model.alpha_list()
    architect = variant_architect('exact', model)
    options = architect.ablation_options
    deactivation = architect.deactivation_weights(options, model.num_layers,
                                                  alphas[0])
    leaves = [torch.sigmoid(a).detach().requires_grad_() for a in alphas]
    with model.frozen_weights():
        full = ablation_schedules.full_pass(model, inputs, labels, leaves,
                                            segmented=False)
        per_pass, losses = [], []
        with model.frozen_bn_stats():
            for j in range(len(leaves)):
                loss = ablation_schedules.ablated_pass(
                    model, full, j, deactivation, leaves, labels)
                grads = torch.autograd.grad(loss, leaves, retain_graph=True,
                                            allow_unused=True)
                per_pass.append(torch.cat([
                    (torch.zeros_like(w) if g is None else g).reshape(-1)
                    for g, w in zip(grads, leaves)]))
                losses.append(loss.detach())
        exact = arch_gradients(model, inputs, labels, options, deactivation,
                               running_abs_mean=architect.ablation_abs_mean)
    full_loss, ablated = full.loss.detach(), torch.stack(losses)
    scale = ablation_scale(full_loss, ablated, options,
                           architect.ablation_abs_mean)
    coeffs = ablation_gradient_coefficients(full_loss, ablated,
                                            options.weight, scale)
    # d alpha_i = b_i * w_i (1 - w_i) * dS/dw_i (the noisy part)
    to_alpha = torch.cat([(coeffs.b[i] * w * (1 - w)).detach().reshape(-1)
                          for i, w in enumerate(leaves)])
    gradients = torch.stack(per_pass).double()
    sigma2 = gradients.var(0, unbiased=False)
    total = gradients.sum(0).pow(2).sum()
    alpha_norm = sum(g.double().pow(2).sum() for g in exact.grads)
    n = len(leaves)
    result = {}
    for k in range(1, n + 1):
        factor = n * n / k * (n - k) / max(n - 1, 1)
        result[k] = dict(
            sum=float(factor * sigma2.sum() / total),
            alpha=float(factor * (to_alpha.double()**2 * sigma2).sum() /
                        alpha_norm))
    return result


def report_variance(model: DDartsSupernet, data: dict, result: dict) -> None:
    variance = sampled_relative_variance(model, data)
    print('relative variance of the sampled estimate (k of '
          f'{len(variance)} ablated passes back-propagated):')
    for k, value in variance.items():
        print(f'  k = {k:2d}: dS/dw {value["sum"]:.3g}, alpha gradient '
              f'{value["alpha"]:.3g}')
    result['sampled_relative_variance'] = variance


def search_gpu_hours(seconds: float, batch: int) -> float:
    """Hours of a 50-epoch CIFAR-10 search at ``seconds`` per iteration."""
    return SEARCH_EPOCHS * math.ceil(SEARCH_IMAGES / batch) * seconds / 3600


def report_memory(args, device, result: dict) -> None:
    """Peak memory of FairDARTS and of every exact variant, and ratios."""
    method = ('torch.cuda.max_memory_allocated' if device.type == 'cuda'
              else 'VmHWM growth in a fresh subprocess')
    memory = {v: peak_memory(v, args, device) for v in args.variants
              if v == 'fairdarts' or v.startswith('exact')}
    fair = memory['fairdarts']
    for variant, peaks in memory.items():
        ratio = peaks['iteration'] / fair['iteration']
        arch_ratio = peaks['arch'] / fair['arch']
        print(f'{variant:>20}: peak {peaks["iteration"] / 2**20:8.1f} MiB'
              f' per iteration ({ratio:.2f}x FairDARTS), '
              f'{peaks["arch"] / 2**20:8.1f} MiB in the architecture step '
              f'({arch_ratio:.2f}x)')
        if variant.startswith('exact'):
            result[f'{variant}_peak_memory'] = ratio
            result[f'{variant}_arch_step_peak_memory'] = arch_ratio
    result['peak_memory_bytes'] = memory
    result['memory_method'] = method


def run_config(args, device) -> dict:
    """Times (and memory) of every variant for one cells/batch pair."""
    threads = (f'{torch.get_num_threads()} threads'
               if device.type == 'cpu' else torch.cuda.get_device_name(device))
    print(f'D-DARTS search iteration: {args.cells} cells, C={args.channels}'
          f', batch {args.batch}, {args.size}x{args.size}, {device} '
          f'({threads}), fastest of {args.iters} after {args.warmup} warm-up'
          f", {'wall' if args.wall or device.type == 'cuda' else 'CPU'} "
          'time')
    args.variance = {}
    times = time_variants(args, device)
    seconds = {v: t['iteration'] for v, t in times.items()}
    base = seconds['fairdarts']
    result = dict(cells=args.cells, batch=args.batch,
                  channels=args.channels, device=str(device),
                  arch_amp=getattr(args, 'arch_amp', False))
    result.update({v: seconds[v] / base for v in args.variants})
    result.update(args.variance)
    floor = seconds.get('reference')
    for variant in args.variants:
        arch_ratio = times[variant]['arch'] / times['fairdarts']['arch']
        line = (f'{variant:>20}: {seconds[variant]:8.3f} s/iter '
                f'({times[variant]["arch"]:7.3f} s architecture step, '
                f'{arch_ratio:5.2f}x)   {result[variant]:5.2f}x FairDARTS')
        result[f'{variant}_arch_step'] = arch_ratio
        if floor is not None and variant.startswith('exact'):
            result[f'{variant}_vs_floor'] = seconds[variant] / floor
            line += f', {seconds[variant] / floor:5.2f}x the floor'
        elif variant == 'reference':
            line += ' (the floor: FairDARTS + n ablated forwards)'
        print(line)
    result['seconds'] = times
    if device.type == 'cuda':
        hours = {v: search_gpu_hours(seconds[v], args.batch)
                 for v in args.variants}
        for variant, value in hours.items():
            print(f'{variant:>20}: 50-epoch CIFAR-10 search {value:6.2f} '
                  f'GPU-hours ({value / PAPER_GPU_HOURS:.2f}x the paper\'s '
                  '0.5 GPU-day)')
        result['search_gpu_hours'] = hours
    if not args.no_memory:
        report_memory(args, device, result)
    return result


def print_growth(results: List[dict], variants: List[str]) -> None:
    """How each exact variant's ratio to FairDARTS (and to the floor, and
    its peak memory) grows with the cells: the cost curve."""
    exact = [v for v in variants if v.startswith(('exact', 'reference'))]
    for batch in sorted({r['batch'] for r in results}):
        rows = [r for r in results if r['batch'] == batch]
        if len(rows) < 2:
            continue
        print(f'cost curve by number of cells (batch {batch}): iteration '
              '(architecture step) x FairDARTS; x the floor; peak memory x '
              'FairDARTS')
        for variant in exact:
            parts = []
            for r in rows:
                part = (f"{r['cells']}: {r[variant]:.2f}x "
                        f"({r[variant + '_arch_step']:.2f}x)")
                if variant + '_vs_floor' in r:
                    part += f" {r[variant + '_vs_floor']:.2f}xF"
                if variant + '_peak_memory' in r:
                    part += f" mem {r[variant + '_peak_memory']:.2f}x"
                parts.append(part)
            print(f'{variant:>20}: ' + ', '.join(parts))


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.memory_probe:
        args.cells, args.batch = args.cells[0], args.batch[0]
        memory_probe(args)
        return
    device = torch.device(args.device or (
        'cuda' if torch.cuda.is_available() else 'cpu'))
    if 'fairdarts' not in args.variants:
        args.variants = ['fairdarts'] + list(args.variants)
    results = []
    for cells in args.cells:
        for batch in args.batch:
            config = copy.copy(args)
            config.cells, config.batch = cells, batch
            results.append(run_config(config, device))
    print_growth(results, args.variants)
    output = dict(configs=results, argv=sys.argv[1:] if argv is None else
                  list(argv), iters=args.iters, warmup=args.warmup,
                  threads=args.threads)
    if len(results) == 1:  # the single-config keys, at the top level too
        output.update(results[0])
    if args.output:
        os.makedirs(os.path.dirname(os.path.abspath(args.output)),
                    exist_ok=True)
        with open(args.output, 'w') as f:
            json.dump(output, f, indent=1)
    if args.json:
        print(json.dumps(output))


if __name__ == '__main__':
    main()
