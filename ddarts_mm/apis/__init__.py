"""Entry points behind the thin scripts of ``tools/`` (train, test,
genotype, ONNX export) and their pre-flight checks; the study of
``tools/study.py`` is the package :mod:`ddarts_mm.study`."""
