"""A Patroni cluster on one machine: etcd and three PostgreSQL nodes (kgmem's own
binaries) on loopback ports, each node configured from deploy/patroni/patroni.yml with
only its addresses, directories and timings changed.

PostgreSQL refuses to run as root, so when the tests run as root Patroni (and the
PostgreSQL it starts) runs as the ``pgserver`` user, as the embedded server does.
Every process is started here and stopped by ``Cluster.close``, whatever happened.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pgserver
import psutil
import psycopg
import yaml

from tests.fixtures.app import free_port

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "patroni" / "patroni.yml"
POST_BOOTSTRAP = ROOT / "deploy" / "patroni" / "post-bootstrap.sh"
ARCHIVE_WAL = ROOT / "deploy" / "patroni" / "archive-wal.sh"
BASE_BACKUP = ROOT / "deploy" / "patroni" / "base-backup.sh"
BIN = Path(pgserver.__file__).parent / "pginstall" / "bin"
OS_USER = "pgserver" if os.getuid() == 0 else None
PASSWORD = "kgmem-ha-test"

TTL_S = 20
"""Patroni's leader key lifetime: Patroni's minimum, for a short machine-loss test."""

SETTINGS: dict[str, Any] = {
    "bootstrap": {
        "dcs": {
            "ttl": TTL_S,
            "loop_wait": 1,
            "retry_timeout": 5,
            "postgresql": {
                "parameters": {
                    "shared_buffers": "64MB",
                    "max_wal_size": "256MB",
                    "wal_keep_size": "64MB",
                    "maintenance_work_mem": "64MB",
                    "archive_timeout": 10,
                }
            },
        }
    },
}
"""What the test changes in the template besides addresses: shorter timings and a
smaller server for three nodes on a test machine."""


@cache
def patroni_command() -> tuple[list[str], dict[str, str]]:
    """How to start Patroni as PostgreSQL's OS user: this interpreter, or, when that
    user cannot reach it (a Python under root's home), the system's Python of the same
    version reading this environment's packages and nothing else (``-S``)."""
    here = [sys.executable, "-m", "patroni"]
    if OS_USER is None:
        return here, {}
    try:
        subprocess.run([sys.executable, "-c", "import patroni"], user=OS_USER, check=True)
        return here, {}
    except (OSError, subprocess.CalledProcessError):
        pass
    system = f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"
    return [system, "-S", "-m", "patroni"], {"PYTHONPATH": sysconfig.get_paths()["purelib"]}


def merged(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``change`` laid over it, nested mappings merged key by key."""
    out = dict(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def owned(path: Path) -> Path:
    """``path`` made (if needed) and handed to PostgreSQL's OS user."""
    path.mkdir(parents=True, exist_ok=True)
    if OS_USER is not None:
        shutil.chown(path, OS_USER, OS_USER)
    return path


def kill_tree(pid: int) -> None:
    """SIGKILL ``pid`` and its children at once (a machine losing power)."""
    try:
        parent = psutil.Process(pid)
        procs = [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(procs, timeout=10)


class Etcd:
    """A single-member etcd on loopback ports."""

    def __init__(self, root: Path) -> None:
        self.port, peer = free_port(), free_port()
        self.log = root / "etcd.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                ["etcd", "--name", "e1", "--data-dir", str(root / "etcd"),
                 "--listen-client-urls", f"http://127.0.0.1:{self.port}",
                 "--advertise-client-urls", f"http://127.0.0.1:{self.port}",
                 "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                 "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                 "--initial-cluster", f"e1=http://127.0.0.1:{peer}"],
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_for(lambda: httpx.get(f"http://127.0.0.1:{self.port}/health").is_success, 30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@dataclass
class Node:
    """One Patroni node and the PostgreSQL it manages."""

    name: str
    root: Path
    etcd_port: int
    archive: Path
    pg_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def config(self) -> dict[str, Any]:
        """The template with this node's addresses, directories and the test timings."""
        template = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
        wal = self.archive / "wal"
        node = {
            "name": self.name,
            "restapi": {"listen": f"127.0.0.1:{self.api_port}",
                        "connect_address": f"127.0.0.1:{self.api_port}"},
            "etcd3": {"hosts": f"127.0.0.1:{self.etcd_port}"},
            "bootstrap": {
                "post_bootstrap": str(POST_BOOTSTRAP),
                "dcs": {"postgresql": {"parameters": {
                    "archive_command": f"{ARCHIVE_WAL} %p %f {wal}"}}},
            },
            "postgresql": {
                "listen": f"127.0.0.1:{self.pg_port}",
                "connect_address": f"127.0.0.1:{self.pg_port}",
                "data_dir": str(self.data_dir),
                "bin_dir": str(BIN),
                "pgpass": str(self.root / "pgpass"),
                "parameters": {"unix_socket_directories": str(self.root)},
                "authentication": {
                    "superuser": {"username": "postgres", "password": PASSWORD},
                    "replication": {"username": "replicator", "password": PASSWORD},
                    "rewind": {"username": "rewinder", "password": PASSWORD},
                },
            },
        }  # fmt: skip
        return merged(merged(template, SETTINGS), node)

    def start(self) -> None:
        """Start Patroni on this node (nothing to do if it runs)."""
        if self.proc is not None and self.proc.poll() is None:
            return
        owned(self.root)
        path = self.root / "patroni.yml"
        path.write_text(yaml.safe_dump(self.config()), encoding="utf-8")
        command, python_env = patroni_command()
        env = {
            "PATH": f"{BIN}:{os.environ['PATH']}",
            "HOME": str(self.root),
            "LANG": "C.UTF-8",
            "KGMEM_POSTGRES_PASSWORD": PASSWORD,
            **python_env,
        }
        with (self.root / "patroni.log").open("ab") as out:
            self.proc = subprocess.Popen(
                [*command, str(path)],
                env=env,
                cwd=self.root,
                user=OS_USER,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def postmaster_pid(self) -> int | None:
        """The running postmaster's pid, or None."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        return pid if psutil.pid_exists(pid) else None

    def kill_postmaster(self) -> None:
        """kill -9 of the postmaster alone: its children notice and exit."""
        pid = self.postmaster_pid()
        assert pid is not None, f"{self.name} has no postmaster"
        os.kill(pid, signal.SIGKILL)

    def cut_off(self) -> None:
        """The machine gone: Patroni and every PostgreSQL process killed at once."""
        if self.proc is not None:
            kill_tree(self.proc.pid)
            self.proc.wait(10)
        pid = self.postmaster_pid()
        if pid is not None:
            kill_tree(pid)

    def stop(self) -> None:
        """Patroni stopped cleanly (it stops its PostgreSQL), killed if it hangs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(60)
        self.cut_off()


class Cluster:
    """etcd and three Patroni nodes; ``url`` reaches whichever node is primary."""

    def __init__(self, root: Path, size: int = 3) -> None:
        self.root = root
        self.archive = owned(root / "archive")
        owned(self.archive / "wal")
        owned(self.archive / "base")
        self.etcd = Etcd(root)
        self.nodes = [
            Node(f"node{i + 1}", root / f"node{i + 1}", self.etcd.port, self.archive)
            for i in range(size)
        ]

    def start(self, timeout_s: float = 240) -> None:
        """Start every node (the first makes the cluster) and wait until all stream."""
        self.nodes[0].start()
        wait_for(lambda: self.leader() is not None, timeout_s)
        for node in self.nodes[1:]:
            node.start()
        self.wait_healthy(len(self.nodes), timeout_s)

    def members(self) -> list[dict[str, Any]]:
        """Patroni's view of the cluster (GET /cluster on any node that answers)."""
        for node in self.nodes:
            try:
                answer = httpx.get(f"{node.api}/cluster", timeout=2)
            except httpx.HTTPError:
                continue
            if answer.is_success:
                return list(answer.json().get("members", []))
        return []

    def leader(self) -> Node | None:
        """The running primary, if there is one."""
        for member in self.members():
            if member["role"] == "leader" and member["state"] == "running":
                return self.node(member["name"])
        return None

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def replicas(self) -> list[Node]:
        return [
            self.node(m["name"])
            for m in self.members()
            if m["role"] != "leader" and m["state"] == "streaming"
        ]

    def sync_standby(self) -> Node:
        """The synchronous standby: in synchronous mode, the only one Patroni promotes."""
        return self.node(next(m["name"] for m in self.members() if m["role"] == "sync_standby"))

    def wait_healthy(self, size: int, timeout_s: float = 120) -> Node:
        """Wait for a primary and ``size - 1`` streaming replicas, one of them synchronous."""

        def healthy() -> bool:
            members = self.members()
            return (
                sum(m["role"] == "leader" and m["state"] == "running" for m in members) == 1
                and sum(m["state"] == "streaming" for m in members) == size - 1
                and (size == 1 or any(m["role"] == "sync_standby" for m in members))
            )

        wait_for(healthy, timeout_s, lambda: f"cluster not healthy: {self.members()}")
        leader = self.leader()
        assert leader is not None
        return leader

    def patronictl(self, *args: str) -> None:
        """``patronictl -c <a node's patroni.yml> ARGS``, as docs/high-availability.md
        runs it."""
        ctl = Path(sys.executable).parent / "patronictl"
        config = self.nodes[0].root / "patroni.yml"
        done = subprocess.run(
            [ctl, "-c", config, *args], capture_output=True, text=True, timeout=180, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def switchover(self, candidate: Node) -> None:
        """A clean switchover from the leader to ``candidate``."""
        leader = self.leader()
        assert leader is not None
        self.patronictl(
            "switchover", "kgmem", "--leader", leader.name, "--candidate", candidate.name, "--force"
        )

    def restart(self, node: Node) -> None:
        """Patroni's restart of one member's PostgreSQL (waits for it to be back)."""
        self.patronictl("restart", "kgmem", node.name, "--force")

    def url(self, form: str, database: str = "kgmem", user: str = "kgmem") -> str:
        """A multi-host URL listing every node, read-write target: ``form`` is
        ``params`` (``?host=h1,h2&port=p1,p2``) or ``hosts`` (``h1:p1,h2:p2``)."""
        auth = f"{user}:{PASSWORD}"
        if form == "hosts":
            hosts = ",".join(f"127.0.0.1:{n.pg_port}" for n in self.nodes)
            return f"postgresql://{auth}@{hosts}/{database}?target_session_attrs=read-write"
        ports = ",".join(str(n.pg_port) for n in self.nodes)
        hosts = ",".join("127.0.0.1" for _ in self.nodes)
        return (
            f"postgresql://{auth}@/{database}?host={hosts}&port={ports}"
            "&target_session_attrs=read-write"
        )

    def node_url(self, node: Node, database: str = "kgmem") -> str:
        return f"postgresql://kgmem:{PASSWORD}@127.0.0.1:{node.pg_port}/{database}"

    def base_backup(self, node: Node) -> None:
        """A base backup of ``node`` (a replica will do) into the archive, by the
        script operators run (deploy/patroni/base-backup.sh)."""
        subprocess.run(
            [BASE_BACKUP, self.archive, f"host=127.0.0.1 port={node.pg_port} user=replicator"],
            env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "PGPASSWORD": PASSWORD},
            user=OS_USER, check=True, capture_output=True, timeout=300,
        )  # fmt: skip

    def switch_wal(self) -> Path:
        """Close the primary's current WAL segment; the archived file it becomes."""
        leader = self.leader()
        assert leader is not None
        with psycopg.connect(self.node_url(leader), autocommit=True) as conn:
            row = conn.execute(
                "SELECT pg_walfile_name(pg_current_wal_lsn()), pg_switch_wal()"
            ).fetchone()
        assert row is not None
        return self.archive / "wal" / str(row[0])

    def logs(self) -> str:
        """The tail of every node's Patroni log, for a failure message."""
        parts = []
        for node in self.nodes:
            log = node.root / "patroni.log"
            text = log.read_text(errors="replace") if log.exists() else ""
            parts.append(f"--- {node.name}\n{text[-3000:]}")
        return "\n".join(parts)

    def close(self) -> None:
        """Stop every node (all told at once) and etcd; never raises."""
        for node in self.nodes:
            if node.proc is not None and node.proc.poll() is None:
                node.proc.terminate()
        for node in self.nodes:
            try:
                node.stop()
            except Exception:
                node.cut_off()
        self.etcd.stop()


def wait_for(check: Any, timeout_s: float, why: Any = None) -> None:
    """Poll ``check()`` until true; an AssertionError (with ``why()``) after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.2)
    raise AssertionError(why() if why else f"not ready after {timeout_s:g} s")
