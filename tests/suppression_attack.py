"""A reader of a published table trying to work out its hidden counts from the totals.

They know every shown number, that "<5" is 0 to 4 (the report says a zero may be shown so)
and that "x" is at least 5, and that each row and column adds up to its total. A hidden count
is worked out when only one value fits: found here by bounds propagation and search,
independently of how the table was made.
"""

from __future__ import annotations

from dataclasses import dataclass

BIG = 10**7
Cell = tuple[int, int]


@dataclass
class Bounds:
    low: int
    high: int
    not_small: bool  # an "x": at least 5

    def clamp(self) -> bool:
        """Apply what the mark says; False when nothing fits."""
        if self.not_small:
            self.low = max(self.low, 5)
        return self.low <= self.high


def read(shown: str) -> int | Bounds:
    if shown == "<5":
        return Bounds(0, 4, False)
    if shown == "x":
        return Bounds(5, BIG, True)
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


def _propagate(
    domain: dict[Cell, Bounds], fixed: dict[Cell, int], lines: list[list[tuple[int, Cell]]]
) -> bool:
    changed = True
    while changed:
        changed = False
        for line in lines:
            for sign, cell in line:
                if cell not in domain:
                    continue
                low = high = 0
                for other_sign, other in line:
                    if other == cell:
                        continue
                    if other in fixed:
                        low += other_sign * fixed[other]
                        high += other_sign * fixed[other]
                    else:
                        b = domain[other]
                        a, z = other_sign * b.low, other_sign * b.high
                        low, high = low + min(a, z), high + max(a, z)
                # sign * cell = -(others)
                new_low, new_high = (-high, -low) if sign > 0 else (low, high)
                b = domain[cell]
                if new_low > b.low or new_high < b.high:
                    b.low, b.high = max(b.low, new_low), min(b.high, new_high)
                    if not b.clamp():
                        return False
                    changed = True
    return True


def _solve(
    domain: dict[Cell, Bounds], fixed: dict[Cell, int], lines: list[list[tuple[int, Cell]]]
) -> dict[Cell, int] | None:
    """One assignment of every hidden cell that fits, or None."""
    domain = {c: Bounds(b.low, b.high, b.not_small) for c, b in domain.items()}
    if not all(b.clamp() for b in domain.values()) or not _propagate(domain, fixed, lines):
        return None
    open_cells = [c for c, b in domain.items() if b.low < b.high]
    if not open_cells:
        values = {c: b.low for c, b in domain.items()}
        everything = {**fixed, **values}
        ok = all(sum(s * everything[c] for s, c in line) == 0 for line in lines)
        return values if ok else None
    cell = min(open_cells, key=lambda c: domain[c].high - domain[c].low)
    b = domain[cell]
    middle = (b.low + b.high) // 2
    for low, high in ((b.low, middle), (middle + 1, b.high)):
        trial = dict(domain)
        trial[cell] = Bounds(low, high, b.not_small)
        found = _solve(trial, fixed, lines)
        if found is not None:
            return found
    return None


def worked_out(grid: list[list[str]], row_totals: bool = True) -> list[Cell]:
    """The hidden cells (rows, then the totals row; columns, then the totals column) that
    only one value fits."""
    fixed: dict[Cell, int] = {}
    domain: dict[Cell, Bounds] = {}
    for i, row in enumerate(grid):
        for j, shown in enumerate(row):
            value = read(shown)
            if isinstance(value, int):
                fixed[i, j] = value
            else:
                domain[i, j] = value
    lines = equations(grid, row_totals)
    some = _solve(domain, fixed, lines)
    assert some is not None, "the table contradicts itself"
    found = []
    for cell, value in some.items():
        below = dict(domain)
        below[cell] = Bounds(domain[cell].low, value - 1, domain[cell].not_small)
        above = dict(domain)
        above[cell] = Bounds(value + 1, domain[cell].high, domain[cell].not_small)
        if _solve(below, fixed, lines) is None and _solve(above, fixed, lines) is None:
            found.append(cell)
    return found
