"""portal.progress: a bar on a terminal, plain lines every 10 % (or every N seconds) otherwise,
and one summary line with the count and the time taken."""

from __future__ import annotations

import io

import pytest

from portal.progress import Progress
from portal.progress import format_seconds


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_without_a_terminal_a_plain_line_is_printed_for_every_tenth_and_a_summary_at_the_end() -> (
    None
):
    stream = io.StringIO()
    clock = Clock()
    progress = Progress("rows", total=200, stream=stream, clock=clock)
    for _ in range(200):
        clock.now += 0.01
        progress.advance()
    summary = progress.finish("190 created, 10 rejected")

    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("rows: 20/200 (10 %)")
    assert [line.split(",")[0] for line in lines[:-1]] == [
        f"rows: {n}/200 ({n // 2} %)" for n in range(20, 200, 20)
    ]
    assert lines[-1] == "rows: 200/200 done in 2.0 s (190 created, 10 rejected)"
    assert summary == lines[-1]
    assert "\r" not in stream.getvalue()


def test_without_a_terminal_and_without_a_total_a_line_comes_at_most_every_interval() -> None:
    stream = io.StringIO()
    clock = Clock()
    progress = Progress("entries", stream=stream, interval=5.0, clock=clock)
    for _ in range(100):
        clock.now += 0.5  # 50 s in all
        progress.advance()
    progress.finish()

    lines = stream.getvalue().splitlines()
    assert len(lines) == 10 + 1
    assert lines[0] == "entries: 10, 5.0 s"
    assert lines[-1] == "entries: 100 done in 50.0 s"


def test_on_a_terminal_a_bar_is_redrawn_in_place_and_ends_with_the_summary_on_its_own_line() -> (
    None
):
    stream = FakeTty()
    clock = Clock()
    progress = Progress("debtors", total=10, stream=stream, clock=clock)
    for _ in range(10):
        clock.now += 1
        progress.advance()
    progress.finish()

    output = stream.getvalue()
    assert "\rdebtors [" + "#" * 30 + "] 10/10 (100 %)" in output
    assert "\rdebtors [###---" in output  # 1/10 of the width drawn early on
    assert output.endswith("\ndebtors: 10/10 done in 10.0 s\n")


def test_a_note_gets_its_own_line_and_the_bar_is_drawn_again_below_it() -> None:
    stream = FakeTty()
    clock = Clock()
    progress = Progress("run-batch", total=2, stream=stream, clock=clock)
    clock.now += 1
    progress.update(0)
    progress.note("run-batch step 1/2: dunning: checked=1 (0.01 s)")
    clock.now += 1
    progress.advance()

    output = stream.getvalue()
    assert "\r\x1b[Krun-batch step 1/2: dunning: checked=1 (0.01 s)\n\rrun-batch [" in output


def test_finish_prints_once_and_a_failure_still_ends_the_bar_line() -> None:
    stream = FakeTty()
    clock = Clock()
    progress = Progress("x", total=4, stream=stream, clock=clock)
    clock.now += 1

    def fail() -> None:
        with progress:
            progress.advance()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail()
    assert "\rx [" in stream.getvalue()
    assert stream.getvalue().endswith("\n")

    plain = io.StringIO()
    done = Progress("y", total=0, stream=plain, clock=clock)
    done.finish()
    done.finish()
    assert plain.getvalue() == "y: 0/0 done in 0.0 s\n"


def test_the_total_may_become_known_later_and_counts_never_go_below_zero() -> None:
    stream = io.StringIO()
    progress = Progress("entries", stream=stream, clock=Clock())
    progress.update(-3)
    assert progress.done == 0
    progress.update(5, total=5)
    assert progress.finish() == "entries: 5/5 done in 0.0 s"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.04, "0.0 s"), (59.94, "59.9 s"), (61, "1 min 01 s"), (3600, "60 min 00 s")],
)
def test_elapsed_time_is_written_for_people(seconds: float, text: str) -> None:
    assert format_seconds(seconds) == text


def test_without_periodic_lines_only_notes_and_the_summary_are_printed() -> None:
    stream = io.StringIO()
    clock = Clock()
    progress = Progress("run-batch", total=2, stream=stream, periodic=False, clock=clock)
    for name in ("interest", "dunning"):
        clock.now += 10
        progress.note(f"step {name}")
        progress.advance()
    progress.finish()
    assert stream.getvalue().splitlines() == [
        "step interest",
        "step dunning",
        "run-batch: 2/2 done in 20.0 s",
    ]
