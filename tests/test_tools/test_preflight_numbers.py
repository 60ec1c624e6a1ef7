"""The pre-flight covers every number a config holds (issue 26).

Each bad value through ``tools/train.py`` (``ddarts_mm.apis.run.train``)
on the demo search: exit status 2, one line naming the config file and the
dotted key, before the work dir exists. Then the checkpoints: a
``--resume`` checkpoint in another precision than the model, an empty
``load_from``; and ``--cfg-options`` values written as ``dict(...)``.
"""
from pathlib import Path

import pytest
import torch

# tests/test_tools is on sys.path (pytest's rootdir-relative import)
from test_bad_inputs import (SEARCH_DEMO, _supernet_checkpoint,
                             assert_one_line, cfg_data_root,
                             refused_before_work_dir, run_train)

# name -> (--cfg-options, words of the message besides the config file)
NUMBER_CASES = {
    'negative clip norm': (['optim_wrapper.weights.clip_grad.max_norm=-1'],
                           ['optim_wrapper.weights.clip_grad.max_norm',
                            '> 0', '-1']),
    'zero clip norm': (['optim_wrapper.weights.clip_grad.max_norm=0'],
                       ['optim_wrapper.weights.clip_grad.max_norm', '> 0']),
    'NaN learning rate': (['optim_wrapper.weights.optimizer.lr=nan'],
                          ['optim_wrapper.weights.optimizer.lr', 'nan']),
    'negative learning rate': (['optim_wrapper.weights.optimizer.lr=-0.1'],
                               ['optim_wrapper.weights.optimizer.lr',
                                '-0.1']),
    'zero alpha learning rate': (['optim_wrapper.arch.optimizer.lr=0'],
                                 ['optim_wrapper.arch.optimizer.lr', '> 0']),
    'negative seed': (['randomness.seed=-1'], ['randomness.seed', '2**32']),
    'seed beyond numpy': (['randomness.seed=4294967296'],
                          ['randomness.seed', '4294967296']),
    'split ratio 1': (['train_dataloader.dataset.ratio=1.0',
                       'arch_dataloader.dataset.ratio=1.0'],
                      ['train_dataloader.dataset.ratio', '(0, 1)']),
    'split ratio 0': (['arch_dataloader.dataset.ratio=0'],
                      ['arch_dataloader.dataset.ratio', '(0, 1)']),
    'warm-up as long as the search': (['train_cfg.warmup_epochs=12'],
                                      ['train_cfg.warmup_epochs',
                                       'max_epochs=12', 'never take a step']),
    'negative zero-one weight': (['model.zero_one_weight=-1'],
                                 ['model.zero_one_weight', '>= 0']),
    'NaN zero-one weight': (['model.zero_one_weight=nan'],
                            ['model.zero_one_weight']),
    'logger interval 0': (['default_hooks.logger.interval=0'],
                          ['default_hooks.logger.interval', '>= 1']),
    'checkpoint interval 0': (['default_hooks.checkpoint.interval=0'],
                              ['default_hooks.checkpoint.interval']),
    'unknown loop key': (['train_cfg.arch_steps=2'],
                         ['train_cfg.arch_steps', 'BilevelSearchLoop']),
    'misspelt val loop key': (['val_cfg.fp61=True'],
                              ['val_cfg.fp61', "did you mean 'fp16'"]),
    'init_channels 0': (['model.init_channels=0'],
                        ['model.init_channels', 'integer >= 1']),
    'num_classes 0': (['model.num_classes=0'], ['model.num_classes']),
}


@pytest.mark.parametrize('case', sorted(NUMBER_CASES))
def test_train_refuses_bad_numbers_before_the_work_dir(case, tmp_path,
                                                       capsys):
    line = refused_before_work_dir(*NUMBER_CASES[case], tmp_path, capsys)
    assert 'groups must be' not in line  # PyTorch's words, not ours


@pytest.mark.parametrize('value, dotted', [
    ("dict(metric='flops')", 'model.cost.metric=flops'),
    ("dict(metric='flops',by_epoch=True)",  # mmengine: RecursionError
     'model.cost.metric=flops model.cost.by_epoch=True'),
    ('[dict(a=1),dict(b=2)]', 'model.cost.NAME=VALUE'),
])
def test_cfg_options_dict_values_ask_for_dotted_keys(value, dotted, tmp_path,
                                                     capsys):
    work_dir = tmp_path / 'work'
    status, err = run_train([SEARCH_DEMO, '--work-dir', work_dir,
                             '--cfg-options', f'model.cost={value}'], capsys)
    assert status == 2, err
    assert_one_line(err, str(SEARCH_DEMO), '--cfg-options', dotted)
    assert 'Recursion' not in err and not work_dir.exists()


def test_empty_load_from_names_the_file(tmp_path, capsys):
    empty = tmp_path / 'pretrained.pth'
    empty.write_bytes(b'')
    data = tmp_path / 'cifar'
    data.mkdir()
    work_dir = tmp_path / 'work'
    status, err = run_train([SEARCH_DEMO, '--work-dir', work_dir,
                             '--cfg-options', *cfg_data_root(data),
                             f'load_from={empty}'], capsys)
    assert status == 2, err
    assert_one_line(err, str(empty), 'load_from', 'empty')
    assert 'EOFError' not in err and not work_dir.exists()


def _in_precision(path: Path, dtype: torch.dtype) -> Path:
    """The checkpoint at ``path`` with its floating weights in ``dtype``."""
    checkpoint = torch.load(path, weights_only=True)
    checkpoint['state_dict'] = {
        k: v.to(dtype) if v.is_floating_point() else v
        for k, v in checkpoint['state_dict'].items()
    }
    torch.save(checkpoint, path)
    return path


def test_resume_refuses_a_checkpoint_in_another_precision(tmp_path, capsys):
    checkpoint = _in_precision(
        _supernet_checkpoint(tmp_path / 'epoch_1.pth'), torch.float16)
    data = tmp_path / 'cifar'
    data.mkdir()
    work_dir = tmp_path / 'work'
    status, err = run_train([SEARCH_DEMO, '--work-dir', work_dir, '--resume',
                             checkpoint, '--cfg-options',
                             *cfg_data_root(data)], capsys)
    assert status == 2, err
    assert_one_line(err, str(checkpoint), '--resume', 'torch.float16',
                    'torch.float32')
    assert not work_dir.exists()


def test_same_dtypes_pass_and_integers_are_not_compared():
    from ddarts_mm.utils.checkpoint_check import (CheckpointError,
                                                  check_same_dtypes)
    model = {'w': torch.zeros(2), 'n': torch.zeros((), dtype=torch.long)}
    check_same_dtypes({'state_dict': {'module.w': torch.ones(2),
                                      'n': torch.tensor(3, dtype=torch.int32)
                                      }}, model, 'c.pth')
    with pytest.raises(CheckpointError, match=r'^c.pth: w is torch.bfloat16'):
        check_same_dtypes({'state_dict': {'w': torch.ones(
            2, dtype=torch.bfloat16)}}, model, 'c.pth')


def test_valid_numbers_pass():
    """Numbers at their bounds: seed 0 and 2**32 - 1, checkpoint interval
    -1 (mmengine's "none but the last"), warm-up one epoch short, w01 0."""
    from ddarts_mm.apis.preflight import preflight
    from ddarts_mm.apis.run_config import load_config, train_parser
    for options in (['randomness.seed=0', 'train_cfg.warmup_epochs=11'],
                    ['randomness.seed=4294967295', 'model.zero_one_weight=0',
                     'default_hooks.checkpoint.interval=-1']):
        args = train_parser().parse_args([str(SEARCH_DEMO), '--cfg-options',
                                          *options])
        preflight(load_config(args), str(SEARCH_DEMO))
