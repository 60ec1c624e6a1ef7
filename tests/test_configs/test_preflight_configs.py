"""Every shipped config passes tools/train.py's pre-flight check.

The check (``ddarts_mm.apis.preflight``) builds each model on the meta
device and our hooks; a config it refused could not be trained. The
configs that train a genotype a search writes first (``work_dirs/...``)
are refused with one line naming that file until it exists.
"""
import glob
import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(
    osp.relpath(p, REPO)
    for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'),
                       recursive=True) if '_base_' not in p)
#: Configs whose genotype is the output of a search (or given by the study).
NEEDS_A_SEARCH = {
    'configs/classification/ddarts-searched_8l-c36_custom-folder.py':
    'no such genotype file',
    'configs/classification/'
    'ddarts-searched_8l-c36_detection-stem_custom-folder.py':
    'no such genotype file',
    'configs/classification/ddarts-searched_8l-c36_detection-stem_imagenet.py':
    'no such genotype file',
    'configs/demo/classification_ddarts_digits.py': 'no such genotype file',
    'configs/study/retrain_digits16.py': 'got NoneType',
}


@pytest.mark.slow
def test_shipped_configs_pass_the_preflight_check(monkeypatch):
    from ddarts_mm.apis.preflight import PreflightError, preflight
    from ddarts_mm.apis.run_config import load_config, train_parser
    monkeypatch.chdir(REPO)
    assert len(CONFIGS) > 40
    for config in CONFIGS:
        cfg = load_config(train_parser().parse_args([config]))
        if config in NEEDS_A_SEARCH and not osp.exists(
                osp.join(REPO, 'work_dirs')):
            with pytest.raises(PreflightError, match=NEEDS_A_SEARCH[config]):
                preflight(cfg, config)
            continue
        if config not in NEEDS_A_SEARCH:
            preflight(cfg, config)
