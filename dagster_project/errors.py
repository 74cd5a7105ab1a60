"""The errors a user can cause, and the exit code each one ends the CLI with.

A leaf module (it imports nothing from the project), so any layer can raise these without importing the CLI
— the CLI (cli.py ``main``) prints one line and exits with the error's ``exit_code``; the class says what
happened, never the wording of its message.
"""
from __future__ import annotations

import shutil
from pathlib import Path

EXIT_BUILD_FAILED = 1
EXIT_USAGE = 2
EXIT_BUSY = 3


class UserError(Exception):
    """A problem the user can fix; printed as one line (exit 2 unless a subclass says otherwise)."""

    exit_code = EXIT_USAGE


class BuildBusy(UserError):
    """Another build holds the warehouse's lock (exit 3): try again when it has finished."""

    exit_code = EXIT_BUSY


class BuildFailed(UserError):
    """A build (or a blocking gate) failed; nothing was published (exit 1)."""

    exit_code = EXIT_BUILD_FAILED


class DiskFull(BuildFailed):
    """The disk filled up during a build; nothing was published (exit 1)."""

    def __init__(self, path: str | None, where: Path | None = None, building: bool = True):
        self.path = path
        free = ""
        probe = Path(path) if path else where
        while probe is not None and not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if probe is not None and probe.exists():
            free = f" ({_size(shutil.disk_usage(probe).free)} free now)"
        outcome = (" — nothing published, yesterday's published file stays; 请释放空间后重新运行 / free space and "
                   "run again") if building else "; 请释放空间后重试 / free space and try again"
        super().__init__(f"磁盘空间不足{'，未发布' if building else ''} / disk full: {path or where or 'unknown path'}"
                         f"{free}{outcome}")


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.0f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"
