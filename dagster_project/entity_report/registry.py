"""The register of issued entity reports: a new 报告编号 per issue and a 验证码 the center can look up.

Every ``credit entity-report`` run is one issue. It takes the next number of its 出具日期 from the register
(``<warehouse>.entity-reports/register.csv``, beside the published file, which every night's publish replaces),
prints a verification code on each document, and appends one row per document: number, code, entity, version,
dates, file name and the file's SHA-256. ``credit entity-report --verify CODE --warehouse W`` answers who the
report was issued about, when, from which build, and whether a presented file is the one issued; so does any
DuckDB query: ``select * from read_csv('<warehouse>.entity-reports/register.csv') where verification_code = ?``.
The register holds no ID number (names go through the same scrubber as the report).
"""
from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

COLUMNS = ("report_no", "verification_code", "version", "entity_id", "uscc", "entity_name", "as_of", "data_as_of",
           "issued_at", "file_name", "sha256")
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone


def register_dir(warehouse: Path) -> Path:
    return Path(str(warehouse) + ".entity-reports")


def register_path(warehouse: Path) -> Path:
    return register_dir(warehouse) / "register.csv"


@dataclass(frozen=True)
class Issue:
    """One run's numbers: the same sequence for its 公开版 and 内部版, one code per document."""

    prefix: str
    as_of: date
    sequence: int
    issued_at: str

    def report_no(self, version_code: str) -> str:
        """报告编号: prefix + 出具日期 + the day's sequence number + version code (XYBG202611220001-GK)."""
        return f"{self.prefix}{self.as_of:%Y%m%d}{self.sequence:04d}-{version_code}"


def new_code() -> str:
    """12 random characters as XXXX-XXXX-XXXX (32 symbols: 60 bits, not guessable)."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(text: str) -> str:
    raw = "".join(c for c in str(text).upper() if c.isalnum())
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}" if len(raw) == 12 else raw


def read(warehouse: Path) -> list[dict[str, str]]:
    path = register_path(warehouse)
    if not path.is_file():
        return []
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@contextlib.contextmanager
def locked(warehouse: Path):
    """Hold the register's lock (two issues never take the same number)."""
    folder = register_dir(warehouse)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def next_issue(warehouse: Path, prefix: str, as_of: date) -> Issue:
    """The next number of the day ``as_of`` (call under ``locked``)."""
    day = f"{prefix}{as_of:%Y%m%d}"
    used = [int(r["report_no"][len(day):len(day) + 4]) for r in read(warehouse)
            if r["report_no"].startswith(day) and r["report_no"][len(day):len(day) + 4].isdigit()]
    return Issue(prefix=prefix, as_of=as_of, sequence=max(used, default=0) + 1,
                 issued_at=datetime.now().isoformat(timespec="seconds"))


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def append(warehouse: Path, rows: list[dict[str, str]]) -> None:
    """Append rows (call under ``locked``); the header is written with the first row."""
    path = register_path(warehouse)
    new = not path.is_file()
    with open(path, "a", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        if new:
            w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in COLUMNS})


def lookup(warehouse: Path, code: str) -> list[dict[str, str]]:
    """The register rows of a verification code (any case, with or without hyphens)."""
    want = normalise_code(code)
    return [r for r in read(warehouse) if r["verification_code"] == want]


def copy_into_published(con, warehouse: Path, scrubbed) -> dict[str, int]:
    """``audit.issued_entity_report`` in the file being published (``con``): the register as of the publish (an empty
    table before the first issue), so that analysts find issued reports with the rest; ``--verify`` reads the live
    register. ``scrubbed(column_sql)`` wraps a text column in publish's ID-number scrubber."""
    columns = ", ".join(f"{c} varchar" for c in COLUMNS)
    con.execute(f"create or replace table audit.issued_entity_report ({columns})")
    path = register_path(warehouse)
    if path.is_file():
        select = ", ".join(f"{scrubbed(c)} as {c}" for c in COLUMNS)
        types = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in COLUMNS) + "}"
        literal = "'" + str(path).replace("'", "''") + "'"
        con.execute(f"insert into audit.issued_entity_report select {select} from "
                    f"read_csv({literal}, header = true, columns = {types})")
    return {"audit.issued_entity_report": con.execute("select count(*) from audit.issued_entity_report").fetchone()[0]}
