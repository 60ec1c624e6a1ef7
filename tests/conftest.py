"""Test-wide settings."""
import os

import torch

# The tests run tiny tensors on a small, often shared machine: one thread
# avoids oversubscription (tiny convolutions run ~10x faster). A test that
# trains something larger may raise it locally.
torch.set_num_threads(int(os.environ.get('DDARTS_TEST_THREADS', '1')))
