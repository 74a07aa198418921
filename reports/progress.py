"""Progress of a long build, reported to whoever asked (a job's progress bar, a terminal).

A builder takes ``progress`` as a keyword-only argument: a callable ``progress(phase, done,
total)`` with the phase in words ("writing the Expenses sheet") and the rows done of the
rows total (0 of 0 when there is nothing to count). It may raise to stop the build (a
cancelled job): the exception goes through the builder unchanged. Standard library only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

Progress = Callable[[str, int, int], None]
T = TypeVar("T")

#: Rows between two reports while rows stream.
EVERY = 1_000


def counted(items: Iterable[T], progress: Progress, phase: str, total: int, *,
            then: str = "", every: int = EVERY) -> Iterator[T]:
    """``items`` unchanged, reporting ``phase`` every ``every`` items (``done`` of
    ``total``), then the phase ``then`` once they are all consumed."""
    done = 0
    progress(phase, 0, total)
    for item in items:
        yield item
        done += 1
        if done % every == 0:
            progress(phase, done, max(total, done))
    if then:
        progress(then, done, max(total, done))
