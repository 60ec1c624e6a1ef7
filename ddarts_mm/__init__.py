"""ddarts_mm: D-DARTS (Distributed Differentiable Architecture Search) for OpenMMLab 2.x."""
__version__ = '0.1.0'
