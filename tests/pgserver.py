"""A throwaway PostgreSQL + PostGIS cluster for the tests.

:func:`start` runs ``initdb`` in a temporary folder and ``pg_ctl`` on a free port of
127.0.0.1, as a non-root user (``nobody`` when the tests run as root: PostgreSQL
refuses to run as root), creates a ``template_gis`` database with PostGIS, and returns
a :class:`PgServer`; :meth:`PgServer.new_database` gives each test an empty database
(a copy of the template), :meth:`PgServer.stop` removes the cluster.

Besides the trusting superuser ``postgres`` the cluster has a role ``secret_user``
with the password ``right-password`` (scram), for the wrong-password test.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

PASSWORD_USER = "secret_user"
PASSWORD = "right-password"


class PgUnavailable(RuntimeError):
    """PostgreSQL or PostGIS is not installed, or the cluster did not start."""


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PgUnavailable("initdb not found: install postgresql (scripts/setup.sh --dev does, as root)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """A running cluster: ``url(db)`` for the superuser, ``new_database()`` for a fresh one."""

    folder: Path
    port: int
    bindir: Path
    run_as: list[str]
    _names: itertools.count = field(default_factory=lambda: itertools.count(1))

    def url(self, dbname: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        auth = user + (f":{password}" if password else "")
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{dbname}"

    def sql(self, statement: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            conn.execute(statement)

    def new_database(self, *, postgis: bool = True) -> str:
        """A new empty database (with PostGIS unless told not); returns its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE {'template_gis' if postgis else 'template0'}")
        return self.url(name)

    def stop(self) -> None:
        subprocess.run([*self.run_as, str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
                        "-w", "stop"], capture_output=True, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> PgServer:
    """Start a cluster (raises :class:`PgUnavailable` saying why it cannot)."""
    bindir = _bindir()
    if not glob.glob(f"/usr/share/postgresql/{bindir.parent.name}/extension/postgis.control"):
        raise PgUnavailable(f"PostGIS for PostgreSQL {bindir.parent.name} is not installed "
                            f"(apt-get install postgresql-{bindir.parent.name}-postgis-3)")
    folder = Path(tempfile.mkdtemp(prefix="frontlines-pg-"))
    run_as: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("nobody")
        os.chmod(folder, 0o755)
        os.chown(folder, user.pw_uid, user.pw_gid)
        run_as = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
    data = folder / "data"
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C", "HOME": str(folder)}

    def run(*args: str) -> None:
        done = subprocess.run([*run_as, *args], capture_output=True, text=True, env=env, cwd=folder, check=False)
        if done.returncode:
            shutil.rmtree(folder, ignore_errors=True)
            raise PgUnavailable(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    with open(data / "pg_hba.conf", "w") as hba:
        hba.write(f"host all {PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n"
                  "host all all 127.0.0.1/32 trust\nlocal all all trust\n")
    opts = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=64MB")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(folder / "log"), "-w", "-t", "60", "start")
    server = PgServer(folder=folder, port=port, bindir=bindir, run_as=run_as)
    try:
        server.sql("CREATE DATABASE template_gis")
        server.sql("CREATE EXTENSION postgis", dbname="template_gis")
        server.sql(f"CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{PASSWORD}'")
    except Exception as exc:
        server.stop()
        raise PgUnavailable(f"cannot prepare the cluster: {exc}") from exc
    return server
