"""Every failure of ``tools/train.py`` and ``tools/test.py`` as one line.

Bad input stops a run before anything is written with one line on stderr
that names the file and the field, and exit status 2
(:data:`EXIT_BAD_INPUT`); whatever fails once the Runner runs is one line
too, its traceback in the run's log folder (``traceback.txt``; set
``DDARTS_MM_TRACEBACK=1`` to see it instead). mmengine's own messages for
a config mistake met while building (an unknown ``type``, an unexpected
argument, an empty data set) become a :class:`ConfigError` naming the
config. Ctrl-C is handled around ``main`` by
:func:`ddarts_mm.utils.interrupt.run_tool` (one line, exit status 130).
"""
import os.path as osp
import sys
from typing import Any, Callable, List, Optional

from ddarts_mm.apis.preflight_error import PreflightError
from ddarts_mm.datasets.cifar_pickle import CIFARFileError
from ddarts_mm.utils import CheckpointError
from ddarts_mm.datasets.data_check import DataFileError
from ddarts_mm.utils.error_line import error_line
# DDARTS_MM_TRACEBACK=1: a failing run's traceback instead of one line
from ddarts_mm.utils.interrupt import wants_traceback
from .work_dir_lock import WorkDirError

#: Exit status of a run stopped by bad input (as argparse uses).
EXIT_BAD_INPUT = 2


class ConfigError(ValueError):
    """A config (or a flag about it) that cannot run; names file and key."""


class RunError(RuntimeError):
    """A failure while the Runner ran; names where its traceback is."""


#: Our errors: their messages name the file and the key, and are shown
#: without their type (:func:`~ddarts_mm.utils.error_line.error_line`'s
#: ``untyped``); any other error's line starts with its type.
OUR_ERRORS = (ConfigError, CheckpointError, PreflightError, CIFARFileError,
              DataFileError, RunError, WorkDirError)


def _bad_config(err: BaseException) -> Optional[str]:
    """mmengine's message when ``err`` is a config mistake met while building.

    An unknown ``type`` (``KeyError: 'X is not in the mmdet::model
    registry...'``) and an argument a component does not take (``TypeError:
    class `X` in m: X.__init__() got an unexpected keyword argument``).
    """
    text = ' '.join(str(err.args[0] if err.args else err).split())
    if isinstance(err, KeyError) and ' is not in the ' in text and (
            ' registry' in text):
        return text.split(' Please check')[0]
    if isinstance(err, TypeError) and text.startswith('class `') and (
            'unexpected keyword argument' in text
            or 'missing' in text and 'required' in text):
        return text
    return None


def run_main(main, argv: Optional[List[str]]) -> int:
    """``main(argv)``; any failure is one line on stderr and exit status 2
    (a traceback with ``DDARTS_MM_TRACEBACK=1``)."""
    try:
        main(argv)
    except Exception as err:  # noqa: B902  (one line, whatever failed)
        if wants_traceback():
            raise
        print(f'error: {error_line(err, untyped=OUR_ERRORS)}',
              file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


def in_run(runner, config: str, run: Callable[[], Any]) -> Any:
    """``run()`` (``runner.train``/``runner.test``); a failure's traceback
    goes to ``traceback.txt`` in the run's log folder and its message to
    one :class:`RunError` line naming that file."""
    try:
        return guarded(config, run)
    except ConfigError:
        raise
    except Exception as err:  # noqa: B902  (the run's own failure)
        if wants_traceback():
            raise
        import traceback

        from ddarts_mm.utils.atomic_write import atomic_write_text
        path = osp.join(runner.log_dir, 'traceback.txt')
        line = error_line(err, untyped=OUR_ERRORS)
        try:
            atomic_write_text(path, traceback.format_exc())
        except OSError:
            raise RunError(line) from None
        raise RunError(f'{line} (traceback in {path})') from None


def _empty_dataset(err: BaseException) -> Optional[str]:
    """What an empty data set is, when ``err`` is mmengine's failure on one.

    mmengine's ``BaseDataset`` cannot serialize an empty data list
    (``ValueError: need at least one array to concatenate``), e.g. an mmdet
    data set whose ``metainfo.classes`` match no category of its annotation
    file. The data set is found in the traceback (the ``self`` of its
    ``full_init``), for its type, annotation file and classes.
    """
    if not isinstance(err, ValueError) or (
            'need at least one array to concatenate' not in str(err)):
        return None
    from mmengine.dataset import BaseDataset
    dataset = None
    tb = err.__traceback__
    while tb is not None:
        candidate = tb.tb_frame.f_locals.get('self')
        if isinstance(candidate, BaseDataset):
            dataset = candidate
        tb = tb.tb_next
    if dataset is None:
        return None
    classes = dataset.metainfo.get('classes')
    where = type(dataset).__name__ + (
        f' ({dataset.ann_file})' if getattr(dataset, 'ann_file', '') else '')
    if not classes:
        return f'{where}: the data set is empty'
    return (f'{where}: no sample left with classes {tuple(classes)}; '
            'metainfo.classes must name categories of the annotation file '
            '(and the model\'s num_classes count them)')


def guarded(config: str, run: Callable[[], Any]) -> Any:
    """``run()``, with a config mistake met while building as ConfigError."""
    try:
        return run()
    except (KeyError, TypeError, ValueError) as err:
        message = _bad_config(err) or _empty_dataset(err)
        if message is None:
            raise
        raise ConfigError(f'{config}: {message}') from None
