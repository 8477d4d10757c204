"""Connection strings naming one server or several: what kgmem writes, libpq (psycopg)
and asyncpg read back alike, whatever form the operator used."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from asyncpg.connect_utils import _parse_connect_dsn_and_args
from hypothesis import given
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict

from kgmem.errors import ConfigurationError
from kgmem.storage.engine import conninfo

_names = st.text(
    alphabet=st.characters(codec="ascii", categories=("L", "N")) | st.sampled_from("-._"),
    min_size=1,
    max_size=12,
)
_secrets = st.text(
    alphabet=st.characters(codec="ascii", min_codepoint=33, max_codepoint=126),
    min_size=1,
    max_size=16,
)
_hosts = st.lists(
    st.tuples(_names.filter(lambda h: h[0].isalnum()), st.integers(1, 65535)),
    min_size=1,
    max_size=4,
)
_attrs = st.sampled_from([None, "read-write", "primary", "standby", "prefer-standby", "any"])


def _netloc_url(user: str, password: str, hosts: list[tuple[str, int]], db: str) -> str:
    where = ",".join(f"{h}:{p}" for h, p in hosts)
    return f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}@{where}/{db}"


def _query_url(user: str, password: str, hosts: list[tuple[str, int]], db: str) -> str:
    host = ",".join(h for h, _ in hosts)
    port = ",".join(str(p) for _, p in hosts)
    auth = f"{quote(user, safe='')}:{quote(password, safe='')}"
    return f"postgresql://{auth}@/{db}?host={host}&port={port}"


def _asyncpg_reads(url: str) -> tuple[list[tuple[str, int]], str, str, str, str]:
    addrs, params = _parse_connect_dsn_and_args(
        dsn=url, host=None, port=None, user=None, password=None, passfile=None,
        database=None, ssl=None, direct_tls=None, server_settings=None,
        target_session_attrs=None, krbsrvname=None, gsslib=None, service=None,
        servicefile=None,
    )  # fmt: skip
    attrs = params.target_session_attrs.value
    return list(addrs), params.user, params.password, params.database, attrs


@given(_names, _secrets, _hosts, _names, _attrs, st.booleans())
def test_every_form_reads_the_same_in_libpq_and_asyncpg(
    user: str,
    password: str,
    hosts: list[tuple[str, int]],
    db: str,
    attrs: str | None,
    netloc: bool,
) -> None:
    url = (_netloc_url if netloc else _query_url)(user, password, hosts, db)
    if attrs is not None:
        url += ("&" if "?" in url else "?") + f"target_session_attrs={attrs}"
    wanted = attrs or ("read-write" if len(hosts) > 1 else "any")
    written = conninfo.normalise(url)
    assert conninfo.endpoints(written) == hosts
    libpq = conninfo_to_dict(written)
    assert (libpq["user"], libpq["password"], libpq["dbname"]) == (user, password, db)
    assert libpq.get("target_session_attrs", "any") == wanted
    assert _asyncpg_reads(written) == (hosts, user, password, db, wanted)


@given(_names, _secrets, _hosts, _names)
def test_both_url_forms_normalise_to_one_string_and_normalising_is_idempotent(
    user: str, password: str, hosts: list[tuple[str, int]], db: str
) -> None:
    by_netloc = conninfo.normalise(_netloc_url(user, password, hosts, db))
    by_query = conninfo.normalise(_query_url(user, password, hosts, db))
    if len(hosts) > 1:
        assert by_netloc == by_query
    assert conninfo.normalise(by_query) == by_query
    assert conninfo.parse(by_netloc) == conninfo.parse(by_query)


@given(_names, _secrets, _hosts, _names, _names)
def test_another_database_or_one_host_keeps_everything_else(
    user: str, password: str, hosts: list[tuple[str, int]], db: str, other: str
) -> None:
    url = conninfo.normalise(_netloc_url(user, password, hosts, db))
    moved = conninfo.parse(conninfo.with_options(url, dbname=other))
    assert moved == {**conninfo.parse(url), "dbname": other}
    host, port = hosts[-1]
    one = conninfo.pinned(url, host, port)
    assert conninfo.endpoints(one) == [(host, port)]
    assert "target_session_attrs" not in conninfo.parse(one)


def test_one_server_is_left_exactly_as_written() -> None:
    for url in (
        "postgresql://postgres:@/kgmem?host=/tmp/kgmem-sock",
        "postgresql://kgmem:s3cret@db.internal:6543/kgmem?sslmode=require",
    ):
        assert conninfo.normalise(url) == url


def test_a_host_list_asks_for_the_primary_and_a_replica_pool_for_a_standby() -> None:
    url = "postgresql://kgmem@h1:5432,h2:5433,h3/kgmem"
    assert conninfo.normalise(url) == (
        "postgresql://kgmem@/kgmem?host=h1,h2,h3&port=5432,5433,5432"
        "&target_session_attrs=read-write"
    )
    standby = conninfo.normalise(url, wanted="prefer-standby")
    assert conninfo.parse(standby)["target_session_attrs"] == "prefer-standby"
    assert conninfo.display(url) == "h1:5432,h2:5433,h3:5432"


def test_libpq_keyword_form_is_read_too() -> None:
    url = conninfo.normalise("host=h1,h2 port=5432 dbname=kgmem user=kgmem")
    assert conninfo.endpoints(url) == [("h1", 5432), ("h2", 5432)]
    assert conninfo.parse(url)["target_session_attrs"] == "read-write"


def test_an_unreadable_string_is_a_configuration_error_without_the_password() -> None:
    with pytest.raises(ConfigurationError) as caught:
        conninfo.normalise("postgresql://u:hunter2@h1,h2/db?nonsense_option=1")
    assert "hunter2" not in caught.value.detail
    with pytest.raises(ConfigurationError, match="3 hosts but 2 ports"):
        conninfo.normalise("postgresql://u@/db?host=a,b,c&port=1,2")


_PORTS = st.lists(st.integers(min_value=1, max_value=65535), min_size=1, max_size=3)


@given(st.lists(st.tuples(_PORTS, st.booleans()), min_size=1, max_size=3))
def test_replica_urls_listing_hosts_split_only_between_urls(
    urls: list[tuple[list[int], bool]],
) -> None:
    """KGMEM_REPLICA_URLS is comma-separated, and a URL may list hosts with commas in
    either form: each URL comes back whole."""
    from kgmem.settings.replica_settings import ReplicaSettings

    written = []
    for ports, in_params in urls:
        if in_params:
            hosts = ",".join("127.0.0.1" for _ in ports)
            listed = ",".join(map(str, ports))
            written.append(f"postgresql://u:p@/db?host={hosts}&port={listed}")
        else:
            hosts = ",".join(f"127.0.0.1:{p}" for p in ports)
            written.append(f"postgres://u:p@{hosts}/db?target_session_attrs=prefer-standby")
    found = ReplicaSettings.model_validate({"urls": ", ".join(written)}).urls
    assert [u.get_secret_value() for u in found] == written
