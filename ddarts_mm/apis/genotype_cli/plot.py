"""``plot``: registration only; the subcommand lives in ddarts_mm.visualization."""
from ddarts_mm.visualization.plot_command import COMMAND

__all__ = ['COMMAND']
