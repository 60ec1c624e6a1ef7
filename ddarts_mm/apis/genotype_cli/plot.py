"""``plot``: registration only; the code is in ddarts_mm.visualization."""
from ddarts_mm.visualization.plot_command import COMMAND

__all__ = ['COMMAND']
