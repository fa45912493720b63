"""Sets of ops as Python integers: op i of a search order is bit i (shared by autotune, oracle and the exact solver)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def bits(mask: int) -> Iterator[int]:
    """The positions of the set bits of `mask`, ascending.

    The mask is first shifted down to its lowest set bit, so a few bits high in a
    mask over many ops cost as many steps on a small integer, not on a long one.
    """
    if not mask:
        return
    offset = (mask & -mask).bit_length() - 1
    mask >>= offset
    while mask:
        low = mask & -mask
        yield offset + low.bit_length() - 1
        mask ^= low


def mask_of(indices: Iterable[int]) -> int:
    """The mask with the bits at `indices` set."""
    mask = 0
    for i in indices:
        mask |= 1 << i
    return mask


def span(start: int, stop: int) -> int:
    """The mask of the ops start, ..., stop - 1: `mask_of(range(start, stop))` in one step."""
    return ((1 << (stop - start)) - 1) << start


def union(masks: Iterable[int]) -> int:
    """The bitwise or of `masks` (0 for none)."""
    result = 0
    for m in masks:
        result |= m
    return result
