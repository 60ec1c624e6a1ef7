"""The supernet-engine contract: the real supernet and the tests' fake."""
import torch

from ddarts_mm.engine.search_supernet import (SearchArchitect,
                                              SearchSupernet, architect_of,
                                              unwrap_supernet)
from ddarts_mm.models.search import DDartsSupernet


def test_supernet_and_fake_implement_the_contract(fake_supernet):
    real = DDartsSupernet(num_cells=3, init_channels=4, steps=2)
    fake = fake_supernet()
    for model in (real, fake):
        assert isinstance(model, SearchSupernet), type(model).__name__
        assert unwrap_supernet(model) is model
        assert isinstance(architect_of(model), SearchArchitect)
    assert not isinstance(torch.nn.Linear(2, 2), SearchSupernet)
