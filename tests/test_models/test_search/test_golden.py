"""Golden search steps: a refactor of the search core must not change a bit.

For a fixed seed, a tiny ``DDartsSupernet`` takes three ``train_step``
iterations in every ablation mode ('exact' on each schedule of its
gradient, 'reference', 'none'), with the other normalisers, with the
ablation hook's switches, and as the DARTS (softmax) and FairDARTS (shared
alphas, ``L_01`` over all of them) supernets of the study. Against
``data/golden_search_steps.pt`` (``torch.equal``): the alphas and every
iteration's log variables, in full; every entry of the state dict
(weights, BN statistics, the deactivation generator, the running ``|m|``)
as an 8-byte BLAKE2 digest of its dtype, shape and bytes (the weights in
full would be 2 MB), so one changed bit in any of them fails the test and
names the entry. The entries are compared under the keys they were
recorded with (:func:`recorded_state`: the architect's tensors were the
supernet's own then).

The file was recorded on this project's CPU with one thread, torch 2.14.1:
floating-point results depend on the kernels, so on another torch version
or CPU instruction set the test is skipped (the gradient tests still check
the maths there). Re-record only for an intended change of behaviour::

    OMP_NUM_THREADS=1 .venv/bin/python \
        tests/test_models/test_search/test_golden.py

The demo search's first search epoch (``tools/demo.py --quick``'s search
stage: the quick digits set, one weights-only epoch, one search epoch)
derives the genotypes of ``data/golden_demo_genotypes.json`` (every
parsing method) from the alphas recorded there in full (the last
checkpoint's); recorded the same way with ``test_golden.py demo``.
"""
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Dict, List

import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from ddarts_mm.models.search import DDartsSupernet
from ddarts_mm.models.search.architect import LEGACY_KEYS

GOLDEN = os.path.join(os.path.dirname(__file__), 'data',
                      'golden_search_steps.pt')
DEMO_GOLDEN = os.path.join(os.path.dirname(__file__), 'data',
                           'golden_demo_genotypes.json')
ITERATIONS = 3
#: Each case: the supernet's arguments and, per iteration, the hook's
#: switches (``compute_ablation``, ``ablation_weight_scale``).
CASES: Dict[str, dict] = {
    'exact-plain': dict(ablation=dict(mode='exact', schedule='plain')),
    'exact-batched': dict(ablation=dict(mode='exact', schedule='batched')),
    'exact-segmented': dict(ablation=dict(mode='exact',
                                          schedule='segmented')),
    'exact-mean': dict(ablation=dict(mode='exact', normalizer='mean',
                                     schedule='plain')),
    'exact-running-uniform': dict(ablation=dict(
        mode='exact', normalizer='running', deactivation='uniform',
        weight=1.5, schedule='segmented')),
    'exact-hooked': dict(ablation=dict(mode='exact', schedule='batched')),
    'reference': dict(ablation=dict(mode='reference')),
    'none': dict(ablation=dict(mode='none')),
    'darts': dict(mixing='softmax', search_space='DARTS',
                  share_alphas='cell_type', zero_one_weight=0.0,
                  ablation=dict(mode='none')),
    'fairdarts': dict(share_alphas='cell_type', zero_one_scope='all',
                      zero_one_weight=10.0, ablation=dict(mode='none')),
}
#: ``exact-hooked``: per iteration (compute_ablation, ablation_weight_scale)
HOOKED = [(True, 0.25), (False, 1.0), (True, 1.0)]


def supernet(case: str) -> DDartsSupernet:
    torch.manual_seed(0)
    return DDartsSupernet(num_cells=4, init_channels=4, steps=2,
                          num_classes=5, **CASES[case]).train()


def optim_wrapper(model: DDartsSupernet) -> OptimWrapperDict:
    wrappers = {
        name: OptimWrapper(torch.optim.Adam([alpha], lr=0.1,
                                            weight_decay=1e-3))
        for name, alpha in model.arch_parameters().items()
    }
    wrappers['weights'] = OptimWrapper(
        torch.optim.SGD(model.weight_parameters(), lr=0.1, momentum=0.9,
                        weight_decay=3e-4),
        clip_grad=dict(max_norm=5))
    return OptimWrapperDict(**wrappers)


def batch(seed: int) -> dict:
    generator = torch.Generator().manual_seed(seed)
    return dict(inputs=torch.randn(4, 3, 8, 8, generator=generator),
                data_samples=torch.randint(0, 5, (4, ), generator=generator))


def digest(tensor: torch.Tensor) -> torch.Tensor:
    """``(8,)`` uint8 BLAKE2b digest of ``tensor``'s dtype, shape, bytes."""
    tensor = tensor.detach().cpu().contiguous()
    data = tensor.reshape(-1).view(torch.uint8)
    hasher = hashlib.blake2b(digest_size=8)
    hasher.update(f'{tensor.dtype}{tuple(tensor.shape)}'.encode())
    hasher.update(data.numpy().tobytes())
    return torch.frombuffer(bytearray(hasher.digest()), dtype=torch.uint8)


def run_case(case: str) -> dict:
    """The alphas, the state dict's digests and the logs, after
    :data:`ITERATIONS` iterations."""
    model = supernet(case)
    wrapper = optim_wrapper(model)
    log_names: List[str] = []
    logs = []
    for step in range(ITERATIONS):
        if case == 'exact-hooked':
            architect = model.architect
            architect.compute_ablation, architect.ablation_weight_scale = (
                HOOKED[step])
        log_vars = model.train_step(
            dict(weights=batch(2 * step + 1), arch=batch(2 * step + 2)),
            wrapper)
        for key, value in log_vars.items():
            log_names.append(f'{step}.{key}')
            logs.append(torch.as_tensor(value).detach().reshape(()))
    state = recorded_state(model)
    return dict(
        alphas=torch.cat([a.detach().reshape(-1) for a in model.alpha_list()]),
        log_names=log_names, logs=torch.stack(logs),
        state_names=list(state),
        state_digests=torch.stack([digest(v) for v in state.values()]))


def recorded_state(model: DDartsSupernet) -> Dict[str, torch.Tensor]:
    """The state dict with the keys, and in the order, of the recording.

    The architect's tensors were the supernet's own then: their keys were
    those of :data:`~ddarts_mm.models.search.architect.LEGACY_KEYS`, the
    running ``|m|`` (a buffer of the supernet itself) first.
    """
    legacy = {new: old for old, new in LEGACY_KEYS.items()}
    state = {legacy.get(key, key): value
             for key, value in model.state_dict().items()}
    first = 'ablation_abs_mean'
    return {first: state.pop(first), **state}


def environment() -> Dict[str, str]:
    return dict(torch=str(torch.__version__),
                cpu=torch.backends.cpu.get_cpu_capability())


def record() -> None:
    """Write :data:`GOLDEN` from the current code."""
    torch.set_num_threads(1)
    cases = {case: run_case(case) for case in CASES}
    names: Dict[tuple, list] = {}  # one list object: pickled once
    for result in cases.values():
        for key in ('log_names', 'state_names'):
            result[key] = names.setdefault(tuple(result[key]), result[key])
    golden = dict(environment=environment(), cases=cases)
    os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
    torch.save(golden, GOLDEN)


@pytest.fixture(scope='module')
def golden() -> dict:
    golden = torch.load(GOLDEN, weights_only=True)
    if golden['environment'] != environment():
        pytest.skip(f"recorded with {golden['environment']}, running "
                    f'{environment()}: bits may differ')
    return golden['cases']


@pytest.mark.parametrize('case', list(CASES))
def test_search_steps_match_golden(case, golden):
    torch.set_num_threads(1)
    got, want = run_case(case), golden[case]
    assert got['log_names'] == want['log_names']
    assert got['state_names'] == want['state_names']
    assert torch.equal(got['alphas'], want['alphas']), f'{case}: alphas'
    differ = [name for name, a, b in zip(got['log_names'], got['logs'],
                                         want['logs'])
              if not torch.equal(a, b)]
    assert not differ, f'{case}: logs {differ}'
    differ = [name for name, a, b in zip(got['state_names'],
                                         got['state_digests'],
                                         want['state_digests'])
              if not torch.equal(a, b)]
    assert not differ, f'{case}: state dict entries {differ}'


def demo_search(work_dir: Path) -> dict:
    """The quick demo's search (``tools/demo.py --quick``, stage "search":
    1 weights-only and 1 search epoch): its genotypes by method and its
    last checkpoint's alphas by name, as lists of floats.

    Only the digits set of the data stage is made (the search reads no
    other), with the quick demo's maker arguments; the search runs
    ``tools/train.py`` on one thread as the demo does.
    """
    from ddarts_mm.datasets import make_cifar_digits
    from ddarts_mm.demo.context import DemoContext
    from ddarts_mm.demo.pipeline import run_stage
    from ddarts_mm.demo.stages import DATA_FOLDERS, QUICK, run_search

    def digits_only(ctx: DemoContext) -> dict:
        made = make_cifar_digits(
            str(ctx.data_root / DATA_FOLDERS['cifar']), seed=ctx.seed,
            **QUICK.data['cifar'])
        return dict(sets=dict(cifar=dict(root=made.root)))

    ctx = DemoContext(work_dir=work_dir, data_root=work_dir / 'data',
                      quick=True)
    functions = dict(data=digits_only, search=run_search)
    run_stage(ctx, 'data', functions)
    result = run_stage(ctx, 'search', functions)
    checkpoint = (ctx.stage_dir('search') / 'last_checkpoint').read_text()
    state = torch.load(checkpoint.strip(), map_location='cpu',
                       weights_only=False)['state_dict']
    return dict(
        genotypes={method: json.loads(Path(path).read_text())
                   for method, path in sorted(result['genotypes'].items())},
        alphas={name: value.reshape(-1).tolist()
                for name, value in state.items() if 'alpha' in name})


def record_demo(work_dir: Path) -> None:
    """Write :data:`DEMO_GOLDEN` from the current code."""
    os.environ['OMP_NUM_THREADS'] = '1'
    golden = dict(environment=environment(), **demo_search(work_dir))
    with open(DEMO_GOLDEN, 'w') as f:
        json.dump(golden, f, indent=1, sort_keys=True)
        f.write('\n')


def test_demo_search_first_epoch_genotypes_match_golden(
        tmp_path, monkeypatch):
    with open(DEMO_GOLDEN) as f:
        golden = json.load(f)
    if golden['environment'] != environment():
        pytest.skip(f"recorded with {golden['environment']}, running "
                    f'{environment()}: bits may differ')
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    got = demo_search(tmp_path)
    assert list(got['alphas']) == list(golden['alphas'])
    differ = [name for name, value in golden['alphas'].items()
              if got['alphas'][name] != value]  # float32 -> float: exact
    assert not differ, f'alphas {differ}'
    assert list(got['genotypes']) == list(golden['genotypes'])
    for method, genotype in golden['genotypes'].items():
        assert got['genotypes'][method] == genotype, method


if __name__ == '__main__':
    if sys.argv[1:] == ['demo']:
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            record_demo(Path(tmp))
    else:
        record()
