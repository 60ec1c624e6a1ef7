"""``make demo`` / ``tools/demo.py``: D-DARTS end to end on CPU.

Stages, in order (``--stage all`` runs them all, ``--stage NAME`` one):

1. ``data``: the demo sets of ``tools/make_demo_data.py`` (digits as
   CIFAR-10 pickles, COCO-format shapes, Cityscapes-layout scenes);
2. ``search``: a D-DARTS search (``tools/train.py`` on
   ``configs/demo/search_ddarts_digits.py``): ablation loss, per-cell
   marginal contributions logged, genotypes written;
3. ``train``: Algorithm 1 grows the searched genotype, ``tools/train.py``
   trains the grown network (``configs/demo/classification_ddarts_digits.py``)
   and reports top-1;
4. ``detection``: DO-2-ResNet18 at demo width in RetinaNet and Mask R-CNN
   on the demo sets (``configs/demo/``), box AP and mask AP;
5. ``report``: ``<work_dir>/report.md`` with the figures and numbers.

Every stage writes into ``<work_dir>/<stage>/`` (removed and rebuilt when
the stage runs again) and ends by writing ``<stage>/result.json``; a stage
reads the ``result.json`` of the stages it needs and refuses to run without
them. A failing stage stops the pipeline with its error (exit status 1) and
leaves the other stages' outputs untouched. ``--quick`` runs a tiny
version of everything (the tests' mode). The runs themselves are
``tools/train.py`` subprocesses, with configs written to
``<work_dir>/configs/`` (the demo configs plus the data paths and, with
``--quick``, the sizes), so that each can be rerun by hand.

The modules, each importing only those above it: :mod:`.context` (the
settings, the project root, stage folders and results, ``DemoError``),
:mod:`.runs` (configs and ``tools/*.py`` subprocesses), :mod:`.stages` (the
data, search, train and detection stages), :mod:`.report` (the report
stage) and :mod:`.pipeline` (the order of the stages, the command line).
The demo runs from a source checkout (``configs/``, ``tools/``): the one
the package is in (``pip install -e .``), the current directory, or
``$DDARTS_MM_ROOT`` (:func:`.context.find_project_root`).
"""
