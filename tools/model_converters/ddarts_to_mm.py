"""Convert a D-DARTS authors' checkpoint into an mmengine checkpoint.

See ``docs/pretrained.md`` and ``--help``; the logic lives in
``ddarts_mm/converters/``.
"""
import sys
from pathlib import Path

try:
    import ddarts_mm  # noqa: F401
except ImportError:  # run from a source checkout without installation
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ddarts_mm.converters.ddarts_to_mm import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
