"""Progress on the terminal for a long build (issue 21): the stage and dbt's nodes done of the total, on one
line; nothing on a non-terminal; the log file gets exactly what it got before."""
from __future__ import annotations

import io

from dagster_project.progress import STAGE_PREFIX, BuildOutput

RUN = (f"{STAGE_PREFIX}归集 ingest\n"
       "some ingest chatter\n"
       f"{STAGE_PREFIX}dbt 模型 models\n"
       "1 of 3 START sql view model staging.stg_raw__penalty ........ [RUN]\n"
       "1 of 3 OK created sql view model staging.stg_raw__penalty ... [OK in 0.10s]\n"
       "2 of 3 ERROR creating sql table model marts.public_disclosure  [ERROR in 0.20s]\n"
       "3 of 3 PASS not_null_public_disclosure_record_id ............ [PASS in 0.05s]\n")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_line_on_a_terminal_and_the_log_unchanged():
    log, term = io.StringIO(), FakeTerminal()
    out = BuildOutput(log, term)
    for chunk in (RUN[:37], RUN[37:150], RUN[150:]):  # writes split mid-line, as a stream does
        out.write(chunk)
    out.finish()
    assert log.getvalue() == RUN
    frames = [f.strip() for f in term.getvalue().split("\r") if f.strip()]
    assert [f.split("] ", 1)[1] for f in frames] == [
        "归集 ingest", "dbt 模型 models", "dbt 模型 models: 1/3 dbt nodes",
        "dbt 模型 models: 2/3 dbt nodes, 1 failed", "dbt 模型 models: 3/3 dbt nodes, 1 failed"]
    assert all(f.startswith("[0:00] ") for f in frames)  # elapsed time
    assert term.getvalue().endswith("\r")  # the line is cleared for the summary


def test_quiet_when_not_a_terminal():
    log, pipe = io.StringIO(), io.StringIO()  # cron, CI, a pipe: isatty() is False
    out = BuildOutput(log, pipe)
    out.write(RUN)
    out.finish()
    assert pipe.getvalue() == "" and log.getvalue() == RUN
    assert out.isatty() is False  # dbt and Dagster write plain text into the log
