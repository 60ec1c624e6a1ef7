"""Search-space sizes (Eq. 5 of the D-DARTS paper)."""
import math


def _check_positive(**values: int) -> None:
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f'{key} must be a positive integer, got '
                             f'{value!r}')


def cell_search_space_size(num_ops: int, steps: int) -> int:
    """Eq. 5: number of cells with ``num_ops`` ops and ``steps`` nodes.

    ``s(K, N) = prod_{i=1..N} (i (i + 1) / 2) K^2``: intermediate node ``i``
    picks 2 of its ``i + 1`` predecessors (the two cell inputs and the
    ``i - 1`` earlier nodes) and one of ``K`` ops on each of the two edges.

    Args:
        num_ops (int): ``K``, operations in the search space.
        steps (int): ``N``, intermediate nodes of the cell.

    Returns:
        int: The exact size, about 1.04e9 for ``K = 7, N = 4``.
    """
    _check_positive(num_ops=num_ops, steps=steps)
    size = 1
    for node in range(1, steps + 1):
        size *= node * (node + 1) // 2 * num_ops**2
    return size


def network_search_space_size(num_ops: int, steps: int,
                              num_cells: int) -> int:
    """Size of a search of ``num_cells`` independent cells, ``s(K, N)^c``.

    DARTS searches 2 cells (normal, reduce): about 1e18 for ``K = 7,
    N = 4``; D-DARTS searches every cell: about 1e72 for 8 cells.

    Args:
        num_ops (int): ``K``, operations in the search space.
        steps (int): ``N``, intermediate nodes per cell.
        num_cells (int): ``c``, independently searched cells.

    Returns:
        int: The exact size.
    """
    _check_positive(num_cells=num_cells)
    return cell_search_space_size(num_ops, steps)**num_cells


def log10_cell_search_space_size(num_ops: int, steps: int) -> float:
    """``log10`` of :func:`cell_search_space_size` (Eq. 5)."""
    return math.log10(cell_search_space_size(num_ops, steps))


def log10_network_search_space_size(num_ops: int, steps: int,
                                    num_cells: int) -> float:
    """``log10`` of :func:`network_search_space_size`."""
    _check_positive(num_cells=num_cells)
    return num_cells * log10_cell_search_space_size(num_ops, steps)
