"""Keeping the cyclic garbage collector's full passes off the event loop.

A knowledge base and its index are long-lived objects by the hundred thousand, and a
full collection walks every one of them while the event loop waits: 20–30 ms for the
real knowledge base, 310–370 ms at 100,000 claims (``python -m bench.run``). ``gc.freeze``
moves what is alive to a generation the collector never walks again. Nothing leaks by
it: a knowledge base and its matcher hold no reference cycles (a test checks), so when
a reload drops the old ones, reference counting frees them, frozen or not.

Process-wide state, so only ``main``'s code calls these (the Discord runner); the core
never does.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def settle() -> None:
    """Collect what start-up left behind, then freeze everything still alive."""
    gc.collect()
    gc.freeze()


def frozen_after(build: Callable[[T], R]) -> Callable[[T], R]:
    """``build``, then freeze what it made (for a matcher rebuilt after an edit)."""

    def build_then_freeze(argument: T) -> R:
        built = build(argument)
        gc.freeze()
        return built

    return build_then_freeze
