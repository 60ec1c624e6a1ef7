"""SplitDataset: the weights and arch halves of one training set."""
import pytest

from ddarts_mm.datasets.split import SplitDataset, split_indices


class Numbers:
    """A minimal data set: sample ``i`` is ``dict(value=i)``."""

    metainfo = dict(classes=('even', 'odd'))

    def __init__(self, n: int) -> None:
        self.n = n
        self.initialised = False

    def full_init(self) -> None:
        self.initialised = True

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: int) -> dict:
        return dict(value=index)

    def get_data_info(self, index: int) -> dict:
        return dict(info=index)


@pytest.mark.parametrize('seed', [None, 0, 7])
@pytest.mark.parametrize('n, ratio', [(10, 0.5), (11, 0.5), (9, 0.3)])
def test_halves_are_disjoint_cover_and_reproducible(n, ratio, seed):
    weights = SplitDataset(Numbers(n), 'weights', ratio, seed)
    arch = SplitDataset(Numbers(n), 'arch', ratio, seed)
    a = [weights[i]['value'] for i in range(len(weights))]
    b = [arch[i]['value'] for i in range(len(arch))]
    assert len(a) == int(ratio * n) and len(a) + len(b) == n
    assert sorted(a + b) == list(range(n))
    assert split_indices(n, ratio, seed) == dict(weights=a, arch=b)
    assert weights.get_data_info(0) == dict(info=a[0])
    assert weights.metainfo == Numbers.metainfo
    if seed is None:  # DARTS: the first half trains the weights
        assert a == list(range(int(ratio * n)))


def test_seeds_give_different_splits():
    assert split_indices(100, 0.5, 0) != split_indices(100, 0.5, 1)
    assert split_indices(100, 0.5, 3) == split_indices(100, 0.5, 3)


def test_lazy_init_and_bad_arguments():
    data = Numbers(4)
    split = SplitDataset(data, 'arch', lazy_init=True)
    assert not data.initialised
    assert len(split) == 2 and data.initialised
    with pytest.raises(ValueError, match='split'):
        SplitDataset(Numbers(4), 'val')
    with pytest.raises(ValueError, match='ratio'):
        SplitDataset(Numbers(4), 'arch', ratio=1.0)
    with pytest.raises(ValueError, match='empty'):
        SplitDataset(Numbers(1), 'weights')


def test_built_from_config_by_the_registry():
    from ddarts_mm.registry import DATASETS
    DATASETS.register_module(name='SplitTestNumbers', module=Numbers,
                             force=True)
    split = DATASETS.build(dict(type='SplitDataset', split='weights',
                                dataset=dict(type='SplitTestNumbers', n=6)))
    assert isinstance(split, SplitDataset) and len(split) == 3
