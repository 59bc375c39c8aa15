"""A reader of a published table trying to work out its hidden counts from the totals.

They know every shown number, that "<5" is 0 to 4 (the report says a zero may be shown so)
and that "x" is at least 5, and that each row and column adds up to its total. A hidden count
is worked out when only one value fits. Found here as the smallest and the largest value each
hidden count can take under those facts (two linear programmes per cell, HiGHS), independently
of how the table was made. A table with totals is a network: its bounds are whole numbers, so
a count is worked out exactly when its smallest and largest values meet.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

BIG = 10**7
Cell = tuple[int, int]


def read(shown: str) -> int | tuple[int, int]:
    """A shown number, or the (low, high) a hidden mark allows."""
    if shown == "<5":
        return (0, 4)
    if shown == "x":
        return (5, BIG)
    return int(shown)


def equations(grid: list[list[str]], row_totals: bool) -> list[list[tuple[int, Cell]]]:
    """Each line of the table (cells and their total) as (sign, cell) terms adding up to 0."""
    rows, columns = len(grid) - 1, len(grid[0]) - (1 if row_totals else 0)
    found = []
    for j in range(columns):
        found.append([(1, (i, j)) for i in range(rows)] + [(-1, (rows, j))])
    if row_totals:
        for i in range(rows + 1):
            found.append([(1, (i, j)) for j in range(columns)] + [(-1, (i, columns))])
    return found


def worked_out(grid: list[list[str]], row_totals: bool = True) -> list[Cell]:
    """The hidden cells (rows, then the totals row; columns, then the totals column) that
    only one value fits."""
    fixed: dict[Cell, int] = {}
    hidden: dict[Cell, tuple[int, int]] = {}
    for i, row in enumerate(grid):
        for j, shown in enumerate(row):
            value = read(shown)
            if isinstance(value, int):
                fixed[i, j] = value
            else:
                hidden[i, j] = value
    cells = list(hidden)
    index = {cell: n for n, cell in enumerate(cells)}
    lines = equations(grid, row_totals)
    a = np.zeros((len(lines), len(cells)))
    b = np.zeros(len(lines))
    for k, line in enumerate(lines):
        for sign, cell in line:
            if cell in index:
                a[k, index[cell]] += sign
            else:
                b[k] -= sign * fixed[cell]
    bounds = [hidden[cell] for cell in cells]
    found = []
    for n, cell in enumerate(cells):
        objective = np.zeros(len(cells))
        objective[n] = 1
        low = linprog(objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        assert low.status == 0 and high.status == 0, "the table contradicts itself"
        if round(low.fun) == round(-high.fun):
            found.append(cell)
    return found
