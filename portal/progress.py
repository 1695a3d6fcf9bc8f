"""Progress on long command-line work (issue 10): seed-demo, run-batch, import-statement,
import-claims.

Progress goes to stderr, never to the structured log (the log stays JSON, one line per event).
On a terminal a bar is redrawn in place; otherwise (cron, a pipe, a CI log) a plain line is
printed when another 10 % is done or, for work without a known total, at most every
`interval` seconds. `finish()` prints one summary line with the count and the time taken.

    with Progress("bank entries", total=len(entries)) as progress:
        for entry in entries:
            ...
            progress.advance()
        progress.finish("booked=12, unmatched=1")
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

BAR_WIDTH = 30
#: a bar is redrawn at most this often (seconds): redrawing is cheap, but not free
TTY_REDRAW_SECONDS = 0.1
#: without a terminal, a line at most this often when the total is unknown
DEFAULT_INTERVAL_SECONDS = 5.0


def format_seconds(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"


class Progress:
    """Counts work done out of `total` (None when unknown) and reports it on `stream`."""

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        stream: TextIO | None = None,
        tty: bool | None = None,
        interval: float = DEFAULT_INTERVAL_SECONDS,
        periodic: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`periodic=False`: no plain progress lines without a terminal (the caller writes its
        own with `note`, e.g. one per batch step); the bar on a terminal stays."""
        self.label = label
        self._periodic = periodic
        self.total = total if total is None else max(0, total)
        self.done = 0
        self._stream = stream if stream is not None else sys.stderr
        self._tty = _isatty(self._stream) if tty is None else tty
        self._interval = interval
        self._clock = clock
        self._started = clock()
        self._last_line_at = self._started
        self._last_tenth = 0
        self._drawn = False
        self._finished = False

    # -- counting ---------------------------------------------------------------------------

    def advance(self, step: int = 1) -> None:
        self.update(self.done + step)

    def update(self, done: int, total: int | None = None) -> None:
        """Set the count (and the total, when it becomes known) and report if it is time."""
        if total is not None:
            self.total = max(0, total)
        self.done = max(0, done)
        now = self._clock()
        if self._tty:
            if now - self._last_line_at >= TTY_REDRAW_SECONDS or self._complete():
                self._draw_bar(now)
            return
        if not self._periodic:
            return
        if self.total:
            tenth = min(10, self.done * 10 // self.total)
            if tenth > self._last_tenth and tenth < 10:
                self._last_tenth = tenth
                self._line(now)
                return
        if now - self._last_line_at >= self._interval:
            self._line(now)

    @property
    def elapsed(self) -> float:
        return self._clock() - self._started

    # -- output -----------------------------------------------------------------------------

    def note(self, text: str) -> None:
        """A line of its own (e.g. one step's summary); a bar is drawn again below it."""
        if self._tty and self._drawn:
            self._write("\r\x1b[K")
        self._write(text + "\n")
        if self._tty and self._drawn:
            self._draw_bar(self._clock())

    def finish(self, summary: str = "") -> str:
        """Print (once) and return the summary line: count, total and time taken."""
        if self._tty and self._drawn:
            self._draw_bar(self._clock())
            self._write("\n")
        counted = f"{self.done}/{self.total}" if self.total is not None else str(self.done)
        line = f"{self.label}: {counted} done in {format_seconds(self.elapsed)}"
        if summary:
            line += f" ({summary})"
        if not self._finished:
            self._write(line + "\n")
        self._finished = True
        return line

    def _complete(self) -> bool:
        return self.total is not None and self.done >= self.total

    def _counted(self) -> str:
        if not self.total:
            return f"{self.done}" if self.total is None else f"{self.done}/0"
        percent = min(100, self.done * 100 // self.total)
        return f"{self.done}/{self.total} ({percent} %)"

    def _line(self, now: float) -> None:
        self._last_line_at = now
        self._write(f"{self.label}: {self._counted()}, {format_seconds(now - self._started)}\n")

    def _draw_bar(self, now: float) -> None:
        self._last_line_at = now
        if self.total:
            filled = min(BAR_WIDTH, self.done * BAR_WIDTH // self.total)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        else:
            spin = int((now - self._started) / TTY_REDRAW_SECONDS) % BAR_WIDTH
            bar = "-" * spin + "#" + "-" * (BAR_WIDTH - spin - 1)
        elapsed = format_seconds(now - self._started)
        self._write(f"\r{self.label} [{bar}] {self._counted()} {elapsed}\x1b[K")
        self._drawn = True

    def _write(self, text: str) -> None:
        self._stream.write(text)
        self._stream.flush()

    # -- context manager: a bar is ended with a newline even when the work fails ------------

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None and self._tty and self._drawn and not self._finished:
            self._write("\n")
            self._finished = True


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def stderr_progress(label: str, total: int | None = None, *, periodic: bool = True) -> Progress:
    """A Progress on the current stderr (click's test runner swaps it, so look it up late)."""
    return Progress(label, total, stream=sys.stderr, periodic=periodic)
