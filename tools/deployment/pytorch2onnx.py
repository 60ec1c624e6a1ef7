"""Export a classifier or a detection backbone to ONNX (dynamic N, H, W)
and check it in onnxruntime.

See ``docs/deployment.md`` and ``--help``; the logic lives in
``ddarts_mm/apis/onnx_export.py``.
"""
import sys
from pathlib import Path

try:
    import ddarts_mm  # noqa: F401
except ImportError:  # run from a source checkout without installation
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from ddarts_mm.apis.onnx_export import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
