"""The built-in demo CRM: a real server that keeps its data across restarts and leaves no process behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import psycopg
import pytest

from crm_importer.crm import connect, crm_settings, require_schema, sign_in
from crm_importer.crm.columns import read_lead_columns
from crm_importer.crm.connection import CrmError
from crm_importer.crm.demo import (
    DEMO_ADMIN_EMAIL,
    DEMO_PROFILES,
    _bindir_major,
    _embedded_major,
    _import_embedded,
    _system_bindirs,
    start_demo,
    start_local_server,
)
from crm_importer.crm.schema import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def demo_dir() -> Iterator[Path]:
    """A data folder outside /tmp/pytest-of-*: concurrent pytest runs prune that tree (see pgfixture)."""
    root = Path(tempfile.mkdtemp(prefix="crm-importer-test-demo-"))
    yield root / "demo-postgres"
    for proc in _server_processes(root):  # a failed test must not leave a server running
        proc.kill()
    shutil.rmtree(root, ignore_errors=True)


def _server_processes(pgdata: Path) -> list[psutil.Process]:
    """Live (non-zombie) PostgreSQL processes started on ``pgdata`` (the postmaster names it in -D)."""
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        if proc.info["status"] == psutil.STATUS_ZOMBIE:
            continue
        cmdline = proc.info["cmdline"] or []
        if cmdline and "postgres" in Path(cmdline[0]).name and any(str(pgdata) in arg for arg in cmdline):
            found.append(proc)
    return found


def _wait_gone(pgdata: Path, timeout: float = 10) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = _server_processes(pgdata)
        if not left:
            return []
        time.sleep(0.1)
    return _server_processes(pgdata)


def _postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().splitlines()[0])


def test_demo_starts_seeds_and_keeps_its_data(demo_dir: Path) -> None:
    started = time.monotonic()
    demo = start_demo(demo_dir)
    first_start = time.monotonic() - started
    try:
        assert demo.dsn.startswith("postgresql://") and "crm_demo" in demo.dsn
        assert demo.admin_email == DEMO_ADMIN_EMAIL
        assert _server_processes(demo.pgdata), "the server should be running"
        with connect(demo.dsn) as conn:
            assert require_schema(conn) == SCHEMA_VERSION
            assert crm_settings(conn)["phone_country_code"] == "33"
            rows = conn.execute("select email, full_name, role from profiles order by email").fetchall()
            assert sorted(rows) == sorted((p.email, p.full_name, p.role) for p in DEMO_PROFILES)
            assert [r[2] for r in rows].count("admin") == 1 and [r[2] for r in rows].count("sales") == 3
            assert sign_in(conn, DEMO_ADMIN_EMAIL).role == "admin"
            own = read_lead_columns(conn)  # an app's CRM: columns of its own, as the app names them
            assert (own["next_call"].comment, own["score"].default, own["temperature"].allowed, own["tags"].kind) == (
                "Date de rappel", "0", ("chaud", "tiède", "froid"), "array")
            conn.execute("insert into leads (email, first_name) values ('kept@example.fr', 'Kept')")
            conn.commit()
    finally:
        demo.stop()
    assert _wait_gone(demo.pgdata) == []
    demo.stop()  # idempotent

    started = time.monotonic()
    again = start_demo(demo_dir)
    restart = time.monotonic() - started
    try:
        assert again.dsn == demo.dsn
        with connect(again.dsn) as conn:
            assert conn.execute("select first_name from leads").fetchall() == [("Kept",)]
            assert conn.execute("select count(*) from profiles").fetchone() == (len(DEMO_PROFILES),)
    finally:
        again.stop()
    assert _wait_gone(again.pgdata) == []
    assert first_start < 30 and restart < 15


_HOLDER = """
import sys
from pathlib import Path
import os
from crm_importer.crm.demo import start_demo
demo = start_demo(Path(os.environ["DEMO_DIR"]))
print(demo.dsn, flush=True)
sys.stdin.readline()
demo.stop()
"""


def _spawn_holder(demo_dir: Path) -> tuple[subprocess.Popen[str], str]:
    """Another ``crm-importer demo`` process on the same folder (path passed by environment, so the test
    can tell server processes from this one by command line)."""
    env = {**os.environ, "DEMO_DIR": str(demo_dir), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    dsn = proc.stdout.readline().strip()
    assert dsn.startswith("postgresql://"), dsn
    return proc, dsn


def test_two_demo_processes_share_one_server(demo_dir: Path) -> None:
    holder, dsn = _spawn_holder(demo_dir)
    try:
        pid = _postmaster_pid(demo_dir)
        demo = start_demo(demo_dir)
        assert demo.dsn == dsn
        assert _postmaster_pid(demo_dir) == pid  # joined, not restarted
        demo.stop()
        # The other process still holds the server: it keeps running.
        with psycopg.connect(dsn) as conn:
            assert conn.execute("select count(*) from profiles").fetchone() == (len(DEMO_PROFILES),)
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(timeout=30) == 0
        assert _wait_gone(demo_dir) == []
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.communicate()  # reaped, its pipes closed


def test_a_killed_demo_process_does_not_keep_the_server_alive(demo_dir: Path) -> None:
    holder, _ = _spawn_holder(demo_dir)
    holder.send_signal(signal.SIGKILL)
    holder.communicate(timeout=10)
    handles = json.loads((demo_dir / ".handle_pids.json").read_text())
    assert holder.pid in handles  # the dead process is still counted as a holder
    assert _server_processes(demo_dir)

    demo = start_demo(demo_dir)
    assert holder.pid not in json.loads((demo_dir / ".handle_pids.json").read_text())
    demo.stop()
    assert _wait_gone(demo_dir) == []


def test_demo_command_stops_its_server_on_a_stop_request(demo_dir: Path, tmp_path: Path) -> None:
    """``crm-importer demo`` stopped by SIGTERM (Ctrl+Break on Windows), not only Ctrl+C: the server stops
    with it and the command exits 0."""
    env = {**os.environ, "CRM_IMPORTER_HOME": str(tmp_path / "home")}
    flags = subprocess.CREATE_NEW_PROCESS_GROUP if os.name == "nt" else 0  # type: ignore[attr-defined]
    demo = subprocess.Popen([sys.executable, "-m", "crm_importer", "demo", "--json", "--data-dir", str(demo_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
                            env=env, cwd=ROOT, creationflags=flags)
    try:
        assert demo.stdout is not None
        info = json.loads(demo.stdout.readline())
        with psycopg.connect(info["dsn"]) as conn:
            assert conn.execute("select count(*) from profiles").fetchone() == (len(DEMO_PROFILES),)
        assert _server_processes(demo_dir)
        demo.send_signal(signal.CTRL_BREAK_EVENT if os.name == "nt" else signal.SIGTERM)  # type: ignore[attr-defined]
        out, err = demo.communicate(timeout=60)
        assert demo.returncode == 0, err
        assert "Traceback" not in err
        assert _wait_gone(demo_dir) == []
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.communicate()


def test_demo_data_from_another_postgres_major_is_refused(demo_dir: Path) -> None:
    demo_dir.mkdir(parents=True)
    (demo_dir / "PG_VERSION").write_text("9\n")
    with pytest.raises(CrmError) as exc:
        start_demo(demo_dir)
    assert exc.value.code == "demo_version_mismatch"
    assert str(demo_dir) in exc.value.text("fr")


def _system_postgres() -> str | None:
    for bindir in _system_bindirs():
        major = _bindir_major(bindir)
        if major:
            return major
    return None


@pytest.mark.skipif(_system_postgres() is None, reason="no system PostgreSQL installed")
def test_demo_on_the_system_postgres(demo_dir: Path) -> None:
    """The fallback: the system's pg_ctl/initdb (run as 'postgres' when root); also checks the schema on that
    (older) major version, e.g. Debian's PostgreSQL 15 — Supabase runs 15 and 17."""
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("root without runuser")
    demo = start_demo(demo_dir, backend="system")
    try:
        assert demo.server.backend == "system"
        with connect(demo.dsn, autocommit=True) as conn:
            assert str(conn.info.server_version // 10000) == _system_postgres()
            assert require_schema(conn) == SCHEMA_VERSION
            assert conn.execute("select count(*) from profiles").fetchone() == (len(DEMO_PROFILES),)
            conn.execute(
                "insert into leads (phone) select '06 12 34 56 ' || lpad(g::text, 2, '0') from generate_series(1, 500) g"
            )
            conn.execute("analyze leads")
            conn.execute("set enable_seqscan = off")
            plan = "\n".join(
                r[0]
                for r in conn.execute(
                    "explain select id from leads where public.crm_phone_e164(phone, '33') = '+33612345607'"
                )
            )
            assert "leads_phone_key_idx" in plan, plan
    finally:
        demo.stop()
    assert _wait_gone(demo.pgdata) == []

    # Data of the system's major version: "auto" must not hand it to another major's binaries.
    again = start_local_server(demo_dir, backend="auto")
    try:
        if _system_postgres() != _embedded_major(_import_embedded()):
            assert again.backend == "system"
    finally:
        again.stop()
    assert _wait_gone(demo_dir) == []
