"""Conversation tags: a letter and a digit or two ("K7"), told apart on any phone keypad.

The letters are those that look the same in Latin and Cyrillic (A B C E H K M P T X), so a
counsellor may type "#К7" on a Russian keypad and still mean K7; O is left out (0).
"""

from __future__ import annotations

import random
from collections.abc import Collection

LETTERS = "ABCEHKMPTX"
CYRILLIC_TWINS = str.maketrans("АВСЕНКМРТХ", LETTERS)
DIGITS = "23456789"  # 0 and 1 look like O and I


def read_tag(text: str) -> str | None:
    """The tag `text` names ("#k7", "К7", "#K77"), upper-case Latin; None if it is not one."""
    tag = text.strip().lstrip("#").upper().translate(CYRILLIC_TWINS)
    if 2 <= len(tag) <= 3 and tag[0] in LETTERS and all(d in DIGITS for d in tag[1:]):
        return tag
    return None


def new_tag(taken: Collection[str], rng: random.Random | None = None) -> str:
    """A tag no open conversation has: two characters while any are free, then three."""
    pick = rng or random.SystemRandom()
    for width in (1, 2):
        free = [
            letter + digits
            for letter in LETTERS
            for digits in _digit_strings(width)
            if letter + digits not in taken
        ]
        if free:
            return pick.choice(free)
    raise RuntimeError("every conversation tag is taken")


def _digit_strings(width: int) -> list[str]:
    strings = [""]
    for _ in range(width):
        strings = [s + d for s in strings for d in DIGITS]
    return strings
