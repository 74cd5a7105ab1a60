"""The person key is guarded (issue 16): natural persons are linked by a keyed hash of their ID number, so a
lost or swapped key would silently split every person into a second entity. The warehouse records the key's
fingerprint; a run whose key is missing or different is refused before it writes anything (`credit run` and
the Dagster job alike); `credit rekey` changes the key on purpose and keeps one entity per person.

One small warehouse is built without CREDIT_PERSON_KEY (its key is the file beside it), attacked, re-keyed and
built again. conftest.py sets CREDIT_PERSON_KEY for the whole session, and run_build exports the key it used
into os.environ: every test here clears it with monkeypatch first."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import stat
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from dagster_project import cli
from dagster_project import person_key as pk
from dagster_project.settings import history_dir, lock_path, person_key_path, work_db_path

AS_OF = "2026-11-22"
NEXT_NIGHT = "2026-11-23"


def _no_env_key(mp: pytest.MonkeyPatch) -> None:
    mp.delenv("CREDIT_PERSON_KEY", raising=False)


@pytest.fixture(scope="module")
def night1(tmp_path_factory):
    """A small warehouse (generated drops with natural persons) built once, its key a file beside it."""
    from dagster_project.sample import generate_sample

    root = tmp_path_factory.mktemp("person_key")
    drops = root / "drops"
    generate_sample(drops, 120, 7)
    warehouse = root / "credit.duckdb"
    mp = pytest.MonkeyPatch()
    _no_env_key(mp)
    try:
        cli.run_build(drops, warehouse, AS_OF)
    finally:
        mp.undo()
    return warehouse


def tree_state(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under the warehouse's folder: (size, mtime_ns). The lock file is the lock, not data."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file() and p != lock_path(root / "credit.duckdb")}


def person_rows(con) -> list[tuple]:
    """(record_id, entity_id, dbt_valid_from) of every natural person's version in the history snapshot."""
    return con.execute(
        "select record_id, entity_id, dbt_valid_from from history.snap_credit_record_status "
        "where resolution_method = 'person_id' order by record_id, dbt_valid_from").fetchall()


def add_a_new_decision_for_a_known_person(warehouse: Path, day: str) -> tuple[str, str]:
    """A new drop (folder `day`) with one new penalty for a natural person an earlier drop already named: the
    row of that earlier file, its decision number changed. Returns (party name, new decision number)."""
    con = duckdb.connect(str(work_db_path(warehouse)), read_only=True)
    try:
        file_path, source_row, party = con.execute(
            "select file_path, source_row, party_name from intermediate.int_submissions_checked "
            "where person_key is not null and dataset = 'penalty' and sheet_name is null "
            "and file_path like '%.csv' order by submission_id limit 1").fetchone()
        decision_no = con.execute("select decision_no from raw.penalty where file_path = ? and source_row = ?",
                                  [file_path, source_row]).fetchone()[0]
    finally:
        con.close()
    source = warehouse.parent / "drops" / file_path
    data = source.read_bytes()
    try:
        encoding, text = "utf-8-sig", data.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding, text = "gb18030", data.decode("gb18030")
    rows = list(csv.reader(io.StringIO(text)))
    header, row = rows[0], rows[source_row - 1]
    assert decision_no in row, (decision_no, row)
    new_no = decision_no + "补"
    row = [new_no if cell == decision_no else cell for cell in row]
    target = warehouse.parent / "drops" / file_path.split("/")[0] / day / f"补充_{source.name}"
    target.parent.mkdir(parents=True)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, row])
    target.write_bytes(out.getvalue().encode(encoding))
    return party, new_no


def person_entities(warehouse: Path, party: str) -> tuple[set[str], int]:
    """The entity ids the history snapshot gives a natural person (by name), and their records."""
    con = duckdb.connect(str(work_db_path(warehouse)), read_only=True)
    try:
        rows = con.execute("select entity_id, record_id from history.snap_credit_record_status "
                           "where resolution_method = 'person_id' and party_name = ?", [party]).fetchall()
    finally:
        con.close()
    return {e for e, _ in rows}, len({r for _, r in rows})


def run_argv(warehouse: Path, as_of: str = AS_OF) -> list[str]:
    return ["run", "--drops", str(warehouse.parent / "drops"), "--warehouse", str(warehouse), "--as-of", as_of]


# ------------------------------------------------------------------------------------------ fingerprint

def test_first_build_records_a_fingerprint_never_the_key(night1):
    key = person_key_path(night1).read_text().strip()
    assert len(key) == 64
    assert stat.S_IMODE(person_key_path(night1).stat().st_mode) == 0o600
    recorded = pk.fingerprint_path(night1).read_text(encoding="utf-8")
    assert key not in recorded
    assert json.loads(recorded)["fingerprint"] == pk.fingerprint(key)
    assert pk.fingerprint(key) != pk.fingerprint(key + "x")
    con = duckdb.connect(str(work_db_path(night1)), read_only=True)
    try:
        assert person_rows(con), "the sample must hold natural persons with a valid ID number"
    finally:
        con.close()


def test_a_fresh_warehouse_still_gets_a_key(tmp_path, monkeypatch):
    _no_env_key(monkeypatch)
    warehouse = tmp_path / "new.duckdb"
    key = pk.resolve(warehouse)
    assert person_key_path(warehouse).read_text().strip() == key
    assert pk.resolve(warehouse) == key  # the same key next time, now guarded by its fingerprint
    assert json.loads(pk.fingerprint_path(warehouse).read_text())["fingerprint"] == pk.fingerprint(key)


# ------------------------------------------------------------------------------------------- attacks

def test_deleted_key_refuses_the_next_run_and_writes_nothing(night1, monkeypatch, capsys):
    _no_env_key(monkeypatch)
    key_file = person_key_path(night1)
    saved = key_file.read_bytes()
    key_file.unlink()
    try:
        before = tree_state(night1.parent)
        code = cli.main(run_argv(night1, NEXT_NIGHT))
        err = capsys.readouterr().err
        assert code == cli.EXIT_USAGE == 2
        assert "人员密钥缺失" in err and "person key is missing" in err
        assert str(key_file) in err and "CREDIT_PERSON_KEY" in err and "credit rekey" in err
        assert "Traceback" not in err
        assert not key_file.exists(), "a built warehouse must never get a fresh key silently"
        assert tree_state(night1.parent) == before
    finally:
        key_file.write_bytes(saved)
        key_file.chmod(0o600)


@pytest.mark.parametrize("how", ["environment", "key file"])
def test_a_different_key_is_refused(night1, monkeypatch, capsys, how):
    _no_env_key(monkeypatch)
    key_file = person_key_path(night1)
    saved = key_file.read_bytes()
    if how == "environment":
        monkeypatch.setenv("CREDIT_PERSON_KEY", "somebody-elses-key")
    else:
        key_file.write_text("0" * 64)
    try:
        before = tree_state(night1.parent)
        code = cli.main(run_argv(night1, NEXT_NIGHT))
        err = capsys.readouterr().err
        assert code == 2
        assert "人员密钥不一致" in err and "does not match" in err and "credit rekey" in err
        assert ("CREDIT_PERSON_KEY" if how == "environment" else str(key_file)) in err
        assert tree_state(night1.parent) == before
    finally:
        key_file.write_bytes(saved)


def test_the_dagster_job_refuses_a_missing_key_too(night1, monkeypatch):
    """A run started from the UI or the schedule (not through `credit run`) stops at its first asset."""
    from dagster_project.definitions import defs

    _no_env_key(monkeypatch)
    monkeypatch.setenv("CREDIT_WAREHOUSE", str(night1))
    monkeypatch.setenv("CREDIT_DROPS", str(night1.parent / "drops"))
    monkeypatch.setenv("CREDIT_AS_OF", NEXT_NIGHT)
    key_file = person_key_path(night1)
    saved = key_file.read_bytes()
    key_file.unlink()
    try:
        before = tree_state(night1.parent)
        with dg.DagsterInstance.ephemeral() as instance:
            result = defs.resolve_job_def("nightly_build").execute_in_process(
                instance=instance, raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}})
        assert not result.success
        failures = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_FAILURE]
        assert [e.step_key for e in failures] == ["raw_drops"]  # failed once, not retried
        assert "person key is missing" in cli._root_cause(failures[0].event_specific_data.error)
        assert not any(e.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION for e in result.all_events)
        assert not key_file.exists()
        assert tree_state(night1.parent) == before
    finally:
        key_file.write_bytes(saved)


def test_rekey_needs_the_old_key(night1, monkeypatch, capsys):
    _no_env_key(monkeypatch)
    key_file = person_key_path(night1)
    saved = key_file.read_bytes()
    key_file.unlink()
    try:
        before = tree_state(night1.parent)
        assert cli.main(["rekey", "--warehouse", str(night1)]) == 2
        assert "person key is missing" in capsys.readouterr().err
        assert tree_state(night1.parent) == before
    finally:
        key_file.write_bytes(saved)


# --------------------------------------------------------------------------------------- rekey, crashes

@pytest.fixture
def work_copy(night1, tmp_path):
    """The working database, key and fingerprint of night 1 copied to a private warehouse (no raw layer:
    rekey reads the ID numbers kept in int_submissions_checked)."""
    dst = tmp_path / "copy.duckdb"
    for a, b in ((work_db_path(night1), work_db_path(dst)), (person_key_path(night1), person_key_path(dst)),
                 (pk.fingerprint_path(night1), pk.fingerprint_path(dst)), (night1, dst)):
        shutil.copy2(a, b)
    wal = Path(str(work_db_path(night1)) + ".wal")  # not checkpointed yet while this process holds it open
    if wal.exists():
        shutil.copy2(wal, str(work_db_path(dst)) + ".wal")
    (tmp_path / "drops").mkdir()
    return dst


def stored_keys_match(warehouse: Path, key: str) -> bool:
    con = duckdb.connect(str(work_db_path(warehouse)), read_only=True)
    try:
        bad, total = con.execute(
            f"select count(*) filter (where person_key <> sha256(? || '|' || {pk.HASHED_ID})), count(*) "
            "from intermediate.int_submissions_checked where person_key is not null", [key]).fetchone()
        return total > 0 and bad == 0
    finally:
        con.close()


def test_an_interrupted_rekey_is_refused_then_finished(work_copy, monkeypatch, capsys):
    _no_env_key(monkeypatch)
    old = person_key_path(work_copy).read_text().strip()
    new_key_file = work_copy.parent / "new.key"
    new_key_file.write_text("a-new-key-0123456789")
    real_replace = os.replace

    def crash_on_install(src, dst):  # the power fails just before the new key file is put in place
        if str(dst) == str(person_key_path(work_copy)):
            raise KeyboardInterrupt("power cut")
        return real_replace(src, dst)

    monkeypatch.setattr(pk.os, "replace", crash_on_install)
    with pytest.raises(KeyboardInterrupt):
        pk.rekey(work_copy, new_key="a-new-key-0123456789")
    monkeypatch.setattr(pk.os, "replace", real_replace)
    assert person_key_path(work_copy).read_text().strip() == old
    assert stored_keys_match(work_copy, "a-new-key-0123456789")  # the database moved in one transaction

    # any run now is refused: the old key no longer matches, and the message says how to finish
    code = cli.main(run_argv(work_copy))
    err = capsys.readouterr().err
    assert code == 2 and "credit rekey" in err and "interrupted" in err

    assert cli.main(["rekey", "--warehouse", str(work_copy), "--new-key-file", str(new_key_file)]) == 0
    assert person_key_path(work_copy).read_text().strip() == "a-new-key-0123456789"
    assert pk.resolve(work_copy) == "a-new-key-0123456789"
    assert not pk.pending_key_path(work_copy).exists()


def test_rekey_refuses_a_same_or_empty_key(work_copy, monkeypatch, capsys):
    _no_env_key(monkeypatch)
    same = work_copy.parent / "same.key"
    shutil.copy2(person_key_path(work_copy), same)
    assert cli.main(["rekey", "--warehouse", str(work_copy), "--new-key-file", str(same)]) == 2
    assert "same key" in capsys.readouterr().err
    empty = work_copy.parent / "empty.key"
    empty.write_text("  \n")
    assert cli.main(["rekey", "--warehouse", str(work_copy), "--new-key-file", str(empty)]) == 2
    assert "empty" in capsys.readouterr().err


def test_rekey_with_the_old_key_lost_maps_from_the_stored_hashes(work_copy, monkeypatch, capsys):
    """No backup of the key at all: the working database still pairs each stored hash with its ID number."""
    _no_env_key(monkeypatch)
    person_key_path(work_copy).unlink()
    assert cli.main(["rekey", "--warehouse", str(work_copy)]) == 2
    capsys.readouterr()
    assert cli.main(["rekey", "--warehouse", str(work_copy), "--old-key-lost"]) == 0
    new = person_key_path(work_copy).read_text().strip()
    assert stored_keys_match(work_copy, new)
    assert pk.resolve(work_copy) == new


def test_rekey_keeps_a_person_whose_id_number_came_in_the_uscc_field(work_copy, monkeypatch):
    """Departments type a natural person's ID number into the 统一社会信用代码 column, the 证件号码 left empty: the
    model hashes it from there. Rekey re-hashed the empty ID column instead and nulled the person's key (the
    person dropped out of every record); int_entity_resolution, kept incrementally, must follow the new hash."""
    _no_env_key(monkeypatch)
    old = person_key_path(work_copy).read_text().strip()
    con = duckdb.connect(str(work_db_path(work_copy)))
    try:
        (sid,) = con.execute("select submission_id from intermediate.int_submissions_checked "
                             "where person_key is not null order by submission_id limit 1").fetchone()
        # the row as the model stores it when the number came in the USCC column: the same hash, from there
        con.execute("update intermediate.int_submissions_checked set uscc = id_no, id_no = null, "
                    "id_no_is_valid = false where submission_id = ?", [sid]).fetchall()
        assert con.execute("select person_key = sha256(? || '|' || uscc) from intermediate.int_submissions_checked "
                           "where submission_id = ?", [old, sid]).fetchone()[0]
    finally:
        con.close()
    pk.rekey(work_copy, new_key="another-key-0123456789")
    con = duckdb.connect(str(work_db_path(work_copy)), read_only=True)
    try:
        uscc, person_key, entity_key = con.execute(
            "select c.uscc, c.person_key, r.entity_key from intermediate.int_submissions_checked as c "
            "inner join intermediate.int_entity_resolution as r using (submission_id) where submission_id = ?",
            [sid]).fetchone()
    finally:
        con.close()
    assert person_key == hashlib.sha256(f"another-key-0123456789|{uscc}".encode()).hexdigest()
    assert entity_key == "P:" + person_key
    assert stored_keys_match(work_copy, "another-key-0123456789")


# ------------------------------------------------------------------------------ rekey, then the next night

@pytest.fixture(scope="module")
def rekeyed(night1):
    """History before, `credit rekey` (a generated key), the next night's build: history after."""
    import contextlib
    import io

    mp = pytest.MonkeyPatch()
    _no_env_key(mp)
    try:
        old_key = person_key_path(night1).read_text().strip()
        con = duckdb.connect(str(work_db_path(night1)), read_only=True)
        before = person_rows(con)
        con.close()
        published_before = _published_person_entities(night1)
        party, new_no = add_a_new_decision_for_a_known_person(night1, NEXT_NIGHT)
        entities_before, records_before = person_entities(night1, party)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(["rekey", "--warehouse", str(night1)])
        new_key = person_key_path(night1).read_text().strip()
        _no_env_key(mp)
        summary = cli.run_build(night1.parent / "drops", night1, NEXT_NIGHT)
        entities_after, records_after = person_entities(night1, party)
        con = duckdb.connect(str(work_db_path(night1)), read_only=True)
        after = person_rows(con)
        new_records = {r[0] for r in con.execute(  # tonight's new decision, from the file added above
            "select r.decision_key from intermediate.int_entity_resolution as r inner join "
            "intermediate.int_submissions_checked as c using (submission_id) where c.file_path like '%/补充_%'"
        ).fetchall()}
        current = {r: e for r, e in con.execute("select record_id, entity_id from marts.fct_credit_record "
                                                "where resolution_method = 'person_id'").fetchall()
                   if r not in new_records}
        after = [r for r in after if r[0] not in new_records]
        con.close()
    finally:
        mp.undo()
    return dict(code=code, out=out.getvalue(), err=err.getvalue(), old_key=old_key, new_key=new_key,
                before=before, after=after, current=current,
                published_before=published_before, published_after=_published_person_entities(night1),
                summary=summary, party=party, new_no=new_no, entities_before=entities_before,
                entities_after=entities_after, records_before=records_before, records_after=records_after)


def _published_person_entities(warehouse: Path) -> set[str]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {r[0] for r in con.execute("select entity_id from marts.dim_entity where entity_type = '自然人'"
                                          " and entity_id in (select entity_id from marts.fct_credit_record"
                                          " where resolution_method = 'person_id')").fetchall()}
    finally:
        con.close()


def test_rekey_says_what_it_did_and_what_comes_next(rekeyed, night1, monkeypatch):
    _no_env_key(monkeypatch)
    assert rekeyed["code"] == 0, rekeyed["err"]
    assert "history.snap_credit_record_status" in rekeyed["out"]
    out = rekeyed["out"]
    assert rekeyed["new_key"] != rekeyed["old_key"]
    assert "credit run" in out and str(history_dir(night1)) in out and "备份" in out
    assert rekeyed["new_key"] not in out  # the key itself is never printed
    assert pk.resolve(night1) == rekeyed["new_key"]


def test_a_person_sent_again_after_rekey_is_still_one_entity(rekeyed):
    """The attack's real damage shows on the next drop naming the same person: hashed with another key, the
    new decision would land on a second entity (measured on the unguarded code: 2 entity ids)."""
    assert rekeyed["summary"]["assets"]["raw/ingest_ledger"]["files_loaded"] == 1
    assert rekeyed["records_after"] == rekeyed["records_before"] + 1  # tonight's new decision is in history
    assert len(rekeyed["entities_before"]) == 1
    assert len(rekeyed["entities_after"]) == 1, rekeyed["entities_after"]  # ... on the person's one entity
    assert rekeyed["entities_after"] != rekeyed["entities_before"]  # (re-keyed: the id itself is new)


def test_after_rekey_the_next_night_keeps_one_entity_per_person(rekeyed):
    before = rekeyed["before"]
    after = rekeyed["after"]  # (tonight's new decision left out)
    assert len(after) == len(before)  # the re-keyed night added no version to any earlier record
    old_entities = {e for _, e, _ in before}
    new_entities = {e for _, e, _ in after}
    assert not old_entities & new_entities  # every person's id moved to the new key ...
    assert len(new_entities) == len(old_entities)  # ... one to one: nobody split, nobody merged
    by_record: dict[str, set[str]] = {}
    for record_id, entity_id, _ in after:
        by_record.setdefault(record_id, set()).add(entity_id)
    assert all(len(e) == 1 for e in by_record.values())
    assert {r: next(iter(e)) for r, e in by_record.items()} == rekeyed["current"]  # history == tonight's build
    assert sorted(v for _, _, v in after) == sorted(v for _, _, v in before)  # the same versions and dates
    assert rekeyed["published_after"] == new_entities
    assert len(rekeyed["published_after"]) == len(rekeyed["published_before"])
