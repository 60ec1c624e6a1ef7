"""A hook that SIGKILLs its own process while the final files are written.

Imported by the runs of ``test_search_end_resume.py`` through
``custom_imports`` (with this folder on ``PYTHONPATH``): the process dies
the moment ``genotype_final_darts.json`` is complete, before the ``sparse``
and ``edge`` files, ``search_decision.json``'s last version and the
figures are written.
"""
import os
import os.path as osp
import signal

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from ddarts_mm.search_space.genotype import Genotype


@HOOKS.register_module(force=True)
class KillDuringFinalWrites(Hook):

    def before_train(self, runner) -> None:
        save = Genotype.save

        def save_and_die(genotype, path, *args, **kwargs):
            save(genotype, path, *args, **kwargs)
            if osp.basename(str(path)) == 'genotype_final_darts.json':
                os.kill(os.getpid(), signal.SIGKILL)

        Genotype.save = save_and_die
