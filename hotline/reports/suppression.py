"""Small counts kept from pointing at a person: every count from 1 to 4 is shown as "<5", and
enough other cells are hidden that no hidden count can be worked out from the totals.

A table with its totals is a set of equations: a row's cells add up to its total, a column's
to its own. As a graph, rows and columns are nodes and each cell an edge between its row and
its column (a total joins its line to the "total" node). A hidden cell can take another value
while every shown number stays the same exactly when it lies on a cycle of hidden cells along
which each can move by one within what a reader knows of it. A reader knows that a "<5" is 0 to
4 (a zero is sometimes hidden too, so "<5" never promises at least one) and that an "x" is at
least 5. For each hidden cell without such a cycle, the cheapest path of shown cells that
closes one is hidden too (Dijkstra; the cost is the counts given up, totals last), never a
`shared` cell: a total other tables show, which must stay the same number everywhere.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

SMALLEST_SHOWN = 5  # counts from 1 to SMALLEST_SHOWN - 1 are never shown
SMALL = "<5"  # a count from 0 to 4
HIDDEN = "x"  # a count of 5 or more, hidden so that a small count cannot be worked out
TOTAL_COST = 1_000_000  # hide a total only when no inner cell will do


@dataclass
class Cell:
    """One count of a table: an edge from its row's node to its column's node.

    `sign` is -1 for a total (the line's cells minus its total is zero), +1 otherwise.
    """

    row: str
    column: str
    value: int
    sign: int = 1
    total: bool = False
    shared: bool = False
    hidden: bool = False

    @property
    def small(self) -> bool:
        """A count from 1 to 4: never shown."""
        return 0 < self.value < SMALLEST_SHOWN

    def shown(self) -> str:
        """As the table shows it."""
        if not self.hidden:
            return str(self.value)
        return SMALL if self.value < SMALLEST_SHOWN else HIDDEN

    def bounds(self) -> tuple[float, float]:
        """What a reader knows of it once hidden: 0 to 4, or at least 5."""
        if self.value < SMALLEST_SHOWN:
            return (0, SMALLEST_SHOWN - 1)
        return (SMALLEST_SHOWN, math.inf)

    def cost(self) -> int:
        """What hiding it gives up: its count (a zero: one), much more for a total."""
        return max(self.value, 1) + (TOTAL_COST if self.total else 0)

    def can_rise(self) -> bool:
        """Whether its signed value may grow by one (the row-to-column direction)."""
        low, high = self.bounds()
        return self.value < high if self.sign > 0 else self.value > low

    def can_fall(self) -> bool:
        """Whether its signed value may shrink by one (the column-to-row direction)."""
        low, high = self.bounds()
        return self.value > low if self.sign > 0 else self.value < high


Arc = tuple[str, int]  # (the node it leads to, the cell's index)


def _arcs(cells: list[Cell], skip: int, candidates: bool) -> dict[str, list[tuple[Arc, int]]]:
    """Each node's arcs and their cost: hidden cells for nothing, shown ones (if `candidates`)
    for what hiding them gives up; never the cell `skip` or a shared cell."""
    graph: dict[str, list[tuple[Arc, int]]] = {}
    for index, cell in enumerate(cells):
        if index == skip:
            continue
        if cell.hidden:
            cost = 0
        elif candidates and not cell.shared:
            cost = cell.cost()
        else:
            continue
        if cell.can_rise():
            graph.setdefault(cell.row, []).append(((cell.column, index), cost))
        if cell.can_fall():
            graph.setdefault(cell.column, []).append(((cell.row, index), cost))
    return graph


def _cheapest_path(graph: dict[str, list[tuple[Arc, int]]], start: str, goal: str) -> list[int]:
    """The cells of the cheapest path from `start` to `goal` ([] when there is none)."""
    best = {start: 0}
    came: dict[str, Arc] = {}
    queue = [(0, start)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            path, at = [], goal
            while at != start:
                at, index = came[at]
                path.append(index)
            return path
        if cost > best.get(node, math.inf):
            continue
        for (target, index), step in graph.get(node, []):
            if cost + step < best.get(target, math.inf):
                best[target] = cost + step
                came[target] = (node, index)
                heapq.heappush(queue, (cost + step, target))
    return []


def _cycle(cells: list[Cell], index: int, candidates: bool) -> list[int] | None:
    """The other cells of the cheapest cycle that lets cell `index` move; None if none."""
    cell = cells[index]
    graph = _arcs(cells, index, candidates)
    found = []
    if cell.can_rise():  # up from its row to its column, back along others
        found.append(_cheapest_path(graph, cell.column, cell.row))
    if cell.can_fall():
        found.append(_cheapest_path(graph, cell.row, cell.column))
    paths = [path for path in found if path]
    if not paths:
        return None
    return min(paths, key=lambda path: sum(cells[i].cost() for i in path if not cells[i].hidden))


def recoverable(cells: list[Cell], index: int) -> bool:
    """Whether hidden cell `index` has one value only, given every shown number."""
    return _cycle(cells, index, candidates=False) is None


def protect(cells: list[Cell]) -> bool:
    """Hide the small counts and enough others; False when only a shared cell would do."""
    for cell in cells:
        cell.hidden = cell.hidden or cell.small
    for index, cell in enumerate(cells):
        if not cell.hidden or not recoverable(cells, index):
            continue
        path = _cycle(cells, index, candidates=True)
        if path is None:
            return False
        for other in path:
            cells[other].hidden = True
    # Hiding more never makes a cell recoverable again, but say so only when it holds.
    return not any(cell.hidden and recoverable(cells, i) for i, cell in enumerate(cells))
