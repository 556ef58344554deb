"""Backup and restore as docs/operations.md ("Backups") describes them, on scratch databases of their own.

PostgreSQL: `pg_dump -Fc` of a migrated database with dossiers and their files, a tar of MEDIA_ROOT, both
dropped, then `pg_restore` into a new database and the tar extracted: every dossier code and every document
(present, SHA-256 equal to the recorded one) is back (`manage.py verify_backup`, and the manifest compared).
SQLite: the online backup API (what `sqlite3 db ".backup copy"` does) taken while a writer adds dossiers,
then the copy verified the same way. The pytest-django test database is never touched.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from tests.ops.conftest import (
    PG_ADMIN_URL,
    PROJECT,
    PYTHON,
    drop_database,
    manage,
    manage_env,
    pg_bin,
    psql,
    scratch_name,
)

SEED = "from tests.ops.seed import main; main({count})"
# the writer of the online-backup test pauses between dossiers: SQLite's backup copies between two of its
# transactions (it starts again when a write lands meanwhile), and without gaps it could only finish with the
# writer, which then tested nothing
SLOW_SEED = "from tests.ops.seed import main; main({count}, pause=0.05)"
MANIFEST = "import json; from tests.ops.seed import manifest; print(json.dumps(manifest()))"


def archive(media: Path, target: Path) -> None:
    with tarfile.open(target, "w:gz") as tar:
        tar.add(media, arcname=".")


def extract(source: Path, media: Path) -> None:
    media.mkdir(parents=True)
    with tarfile.open(source, "r:gz") as tar:
        tar.extractall(media, filter="data")


def summary(output: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in output.split())


def test_postgresql_dump_and_restore_bring_back_every_dossier_and_document(
    tmp_path: Path, scratch_databases: list[str]
) -> None:
    source, restored = scratch_name("motcua_backup"), scratch_name("motcua_restored")
    scratch_databases.extend([source, restored])
    psql(f'CREATE DATABASE "{source}"')
    media = tmp_path / "media"
    env = manage_env(f"{PG_ADMIN_URL}/{source}", media)
    manage(env, "migrate", "--noinput", "-v0")
    expected = json.loads(manage(env, "shell", "-c", SEED.format(count=12)).strip().splitlines()[-1])
    assert len(expected) == 12 and all(len(hashes) == 2 for hashes in expected.values())
    before = summary(manage(env, "verify_backup"))
    assert before["problems"] == "0" and before["dossiers"] == "12" and before["documents"] == "24"

    # the backup: the database first, then the files (a row never points to a file the archive lacks)
    dump, files = tmp_path / "motcua.dump", tmp_path / "media.tar.gz"
    subprocess.run(  # noqa: S603  fixed program, arguments from the test
        [pg_bin("pg_dump"), "-Fc", "-f", str(dump), f"{PG_ADMIN_URL}/{source}"], check=True, timeout=60
    )
    archive(media, files)
    # the disaster: the database and the files are gone
    drop_database(source)
    shutil.rmtree(media)
    assert not media.exists()

    # the restore, into a new database and a new folder
    psql(f'CREATE DATABASE "{restored}"')
    subprocess.run(  # noqa: S603  fixed program, arguments from the test
        [pg_bin("pg_restore"), "--no-owner", "--exit-on-error", "-d", f"{PG_ADMIN_URL}/{restored}", str(dump)],
        check=True,
        timeout=60,
    )
    restored_media = tmp_path / "restored-media"
    extract(files, restored_media)
    env = manage_env(f"{PG_ADMIN_URL}/{restored}", restored_media)
    after = summary(manage(env, "verify_backup"))
    assert after == before
    assert json.loads(manage(env, "shell", "-c", MANIFEST).strip().splitlines()[-1]) == expected

    # and the check does fail when a file is damaged
    victim = sorted(p for p in restored_media.rglob("*") if p.is_file())[0]
    victim.write_bytes(victim.read_bytes() + b"x")
    with pytest.raises(AssertionError, match="altered"):
        manage(env, "verify_backup")


def test_sqlite_online_backup_while_a_writer_runs_is_consistent(tmp_path: Path) -> None:
    database, media = tmp_path / "motcua.sqlite3", tmp_path / "media"
    env = manage_env(f"sqlite:///{database}", media)
    manage(env, "migrate", "--noinput", "-v0")
    writer = subprocess.Popen(  # noqa: S603  fixed program, arguments from the test
        [PYTHON, str(PROJECT / "manage.py"), "shell", "-c", SLOW_SEED.format(count=40)],
        env=env,
        cwd=str(PROJECT),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    copy = tmp_path / "backup.sqlite3"
    try:
        # wait until the writer is in the middle of its work, then back up while it goes on
        deadline = time.monotonic() + 90
        while _count(database, "dossiers_dossier") < 5:
            assert writer.poll() is None, writer.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.2)
        with sqlite3.connect(database, timeout=30) as live, sqlite3.connect(copy) as target:
            live.backup(target)  # what `sqlite3 var/motcua.sqlite3 ".backup backup.sqlite3"` does
        assert writer.poll() is None, "the writer finished before the backup: nothing was tested"
    finally:
        out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err[-3000:]
    total = len(json.loads(out.strip().splitlines()[-1]))
    archive(media, tmp_path / "media.tar.gz")  # after the database, as the procedure says

    backed_up = _count(copy, "dossiers_dossier")
    assert 5 <= backed_up < total == 40
    # consistent: every dossier in the copy has both of its documents, every document its dossier
    assert _count(copy, "dossiers_document") == 2 * backed_up
    restored_media = tmp_path / "restored-media"
    extract(tmp_path / "media.tar.gz", restored_media)
    result = summary(manage(manage_env(f"sqlite:///{copy}", restored_media), "verify_backup"))
    assert result["problems"] == "0" and result["dossiers"] == str(backed_up)


def _count(database: Path, table: str) -> int:
    if not database.exists():
        return 0
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30) as connection:
        try:
            return int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608
        except sqlite3.OperationalError:  # not migrated yet
            return 0
