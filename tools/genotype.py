"""Convert, grow, validate and inspect genotypes.

See ``python tools/genotype.py --help``; the subcommands live in
``ddarts_mm/apis/genotype_cli/``.
"""
import sys
from pathlib import Path

try:
    import ddarts_mm  # noqa: F401
except ImportError:  # run from a source checkout without installation
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ddarts_mm.utils.interrupt import HINTS, run_tool  # noqa: E402

if __name__ == '__main__':
    sys.exit(run_tool('tools/genotype.py', 'ddarts_mm.apis.genotype_cli:main',
                      HINTS['genotype']))
