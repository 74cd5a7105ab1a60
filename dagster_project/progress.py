"""Progress on the terminal during a long `credit run`: the stage, and within dbt the nodes done of the total,
with the elapsed time — one line, rewritten in place. Quiet when the output is not a terminal (cron, CI, a
pipe): the run's log file and the final summary are then all there is, as before.

A build's stdout goes to its log file (`_execute_nightly`); BuildOutput stands in for that file, passes
everything through unchanged, and watches two kinds of lines go by: the stage markers the assets print
(`stage()`), and dbt's own "12 of 325 OK created …" result lines, which dagster-dbt writes to stdout.
"""
from __future__ import annotations

import re
import sys
import time

STAGE_PREFIX = "[credit] stage: "
# dbt's per-node result line: "12 of 325 OK created sql table model marts.x …", also ERROR/PASS/FAIL/WARN/SKIP
_DBT_RESULT = re.compile(r"\b(\d+) of (\d+) (OK|ERROR|PASS|FAIL|WARN|SKIP|NO-OP)\b")


def stage(name: str) -> None:
    """Mark the start of a stage (printed to the run's stdout: the log file, and the terminal's progress line)."""
    print(f"{STAGE_PREFIX}{name}", flush=True)


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m}:{s:02d}"


class BuildOutput:
    """A write-through stand-in for the log file that also draws the progress line on `terminal` (a TTY), if
    given. Anything else a caller asks of it (fileno, encoding …) is the log file's."""

    def __init__(self, log, terminal=None):
        self._log = log
        self._terminal = terminal if terminal is not None and terminal.isatty() else None
        self._start = time.monotonic()
        self._pending = ""
        self._stage = ""
        self._failed = 0
        self._drawn = False

    def write(self, text: str) -> int:
        n = self._log.write(text)
        if self._terminal is not None:
            self._pending += text
            *lines, self._pending = self._pending.split("\n")
            for line in lines:
                self._watch(line)
        return n

    def _watch(self, line: str) -> None:
        if line.startswith(STAGE_PREFIX):
            self._stage = line[len(STAGE_PREFIX):].strip()
            self._draw(self._stage)
            return
        m = _DBT_RESULT.search(line)
        if m:
            done, total, status = int(m.group(1)), int(m.group(2)), m.group(3)
            self._failed += status in ("ERROR", "FAIL")
            failed = f", {self._failed} failed" if self._failed else ""
            self._draw(f"{self._stage}: {done}/{total} dbt nodes{failed}")

    def _draw(self, what: str) -> None:
        width = 100
        text = f"[{_clock(time.monotonic() - self._start)}] {what}"[:width]
        self._terminal.write("\r" + text.ljust(width))
        self._terminal.flush()
        self._drawn = True

    def finish(self) -> None:
        """End the progress line so that the summary starts on a fresh one."""
        if self._terminal is not None and self._drawn:
            self._terminal.write("\r" + " " * 100 + "\r")
            self._terminal.flush()

    def flush(self) -> None:
        self._log.flush()

    def isatty(self) -> bool:  # dbt and Dagster see a file: no colours, no interactive output in the log
        return False

    def __getattr__(self, name):
        return getattr(self._log, name)


def terminal() -> object:
    """The real standard output (before any redirection)."""
    return sys.__stdout__
