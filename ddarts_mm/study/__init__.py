"""The seeded study of search methods behind ``tools/study.py``.

A research harness on top of the run entry points (:mod:`ddarts_mm.apis`),
kept apart from them; importing this package loads nothing but itself.
Its modules, in reading order:

- :mod:`.grid`: the methods, the runs of a study and each method's
  overrides of the search config;
- :mod:`.run`: one run (search, parse, retrain) through the mmengine
  runner, and the resumable loop over the grid;
- :mod:`.records`: the provenance every result record carries (commit,
  package versions, threads, data hash, settings);
- :mod:`.stats`: intervals, percentiles and verdicts;
- :mod:`.tables`: the tables of ``study.md``;
- :mod:`.report`: ``study.json``, ``study.md`` and the figures;
- :mod:`.verify`: ``--verify N``, re-running committed records;
- :mod:`.cli`: the command line of ``tools/study.py``.
"""
