"""``tools/genotype.py``: convert, grow, validate and inspect genotypes.

Each subcommand lives in its own module of this package, which defines a
module-level ``COMMAND = Subcommand(name, help, add_arguments, run)``;
:func:`build_parser` finds every such module, so a new subcommand (e.g.
``derive``, ``plot``) is one new file. Modules must import lightly at top
level (torch, models and plotting inside ``run``), so ``validate`` stays
fast. ``run(args)`` returns the exit status; bad input raises
:class:`GenotypeError`, ``ValueError`` or ``OSError``, which :func:`main`
turns into one line on stderr and exit status 2.
"""
import argparse
import importlib
import pkgutil
import sys
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence

from ddarts_mm.search_space.genotype import GenotypeError
from ddarts_mm.utils.error_line import error_line

#: Exit status of a run stopped by bad input (as argparse uses).
EXIT_BAD_INPUT = 2


@dataclass(frozen=True)
class Subcommand:
    """One subcommand of ``tools/genotype.py``.

    Args:
        name (str): What the user types, e.g. ``'grow'``.
        help (str): One line for ``--help``.
        add_arguments (Callable): Adds the subcommand's arguments to its
            ``argparse.ArgumentParser``.
        run (Callable): ``run(args) -> int``, the exit status.
    """
    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def subcommands() -> List[Subcommand]:
    """Every ``COMMAND`` defined by a module of this package, by name."""
    found = []
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith('_'):
            continue
        command = getattr(
            importlib.import_module(f'{__name__}.{module.name}'), 'COMMAND',
            None)
        if isinstance(command, Subcommand):
            found.append(command)
    return sorted(found, key=lambda command: command.name)


def build_parser() -> argparse.ArgumentParser:
    """The ``tools/genotype.py`` parser with one subparser per subcommand."""
    parser = argparse.ArgumentParser(
        prog='tools/genotype.py',
        description='Convert, grow, validate and inspect D-DARTS genotypes. '
        'GENOTYPE is a zoo name (e.g. DO-2-ResNet18), a .json/.yaml file or '
        'a legacy .txt/.py file.')
    sub = parser.add_subparsers(dest='command', metavar='COMMAND',
                                required=True)
    for command in subcommands():
        child = sub.add_parser(command.name, help=command.help,
                               description=command.help)
        command.add_arguments(child)
        child.set_defaults(run=command.run)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``tools/genotype.py`` with ``argv`` (default: ``sys.argv[1:]``).

    Returns:
        int: 0 on success, 2 on bad input (one line on stderr).
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (GenotypeError, ValueError, OSError) as err:
        print(f'error: {error_line(err, typed=False)}', file=sys.stderr)
        return EXIT_BAD_INPUT
