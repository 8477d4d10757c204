"""PostgreSQL connection strings, read the way libpq reads them, in one form every tool
of kgmem accepts.

``KGMEM_DATABASE_URL`` may name one server or several: ``postgresql://u@h1:5432,h2:5432/db``,
``postgresql://u@/db?host=h1,h2&port=5432,5432``, or libpq's keyword form
``host=h1,h2 port=5432,5432 dbname=db``. libpq itself parses them (``psycopg.conninfo``);
``normalise`` writes a URL with several hosts in the query form, which asyncpg (the
service pool), psycopg (migrations, backups) and PostgreSQL's programs (pg_dump, psql)
all read alike, and asks for the primary (``target_session_attrs=read-write``) unless the
URL says otherwise. A URL naming one server is left exactly as it was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote, urlencode

import psycopg
from psycopg.conninfo import conninfo_to_dict

from kgmem.errors import ConfigurationError

DEFAULT_PORT = 5432
ATTRS = "target_session_attrs"
PRIMARY = "read-write"
"""What a pool that writes asks of a host list: the server that accepts writes."""

_URL_PREFIXES = ("postgresql://", "postgres://")
# Parts of the URL itself, not options of its query.
_OWN_KEYS = ("user", "password", "dbname", "host", "port")


def parse(url: str) -> dict[str, str]:
    """libpq's reading of ``url`` (either URL form, or keyword/value), keyword to value;
    ``ConfigurationError`` when libpq cannot read it (the message never repeats a password)."""
    try:
        return {k: str(v) for k, v in conninfo_to_dict(url).items()}
    except psycopg.ProgrammingError as exc:
        raise ConfigurationError(
            f"not a PostgreSQL connection string: {_first_line(exc)}"
        ) from None


def endpoints(url: str) -> list[tuple[str, int]]:
    """Every (host, port) ``url`` names, in the order libpq tries them. A port given
    once applies to every host; a host without one gets 5432. A URL naming no host (the
    local socket) gives ``[("", port)]``."""
    return _endpoints(parse(url))


def several_hosts(url: str) -> bool:
    """Whether ``url`` names more than one server."""
    return len(endpoints(url)) > 1


def normalise(url: str, *, wanted: str = PRIMARY) -> str:
    """``url`` as every tool of kgmem reads it: one server, unchanged; several, written
    in the query form, with ``target_session_attrs`` set to ``wanted`` (the primary, or
    ``prefer-standby`` for a replica pool) unless it names one."""
    if url.startswith(_URL_PREFIXES) and not several_hosts(url):
        return url
    return with_options(url, wanted=wanted)


def with_options(url: str, *, wanted: str = PRIMARY, **options: str | None) -> str:
    """``url`` rewritten with ``options`` (libpq keywords: ``dbname``,
    ``target_session_attrs``, ``host``, ``port``...; None removes one). With several
    hosts and no ``target_session_attrs`` it asks for ``wanted``."""
    info = parse(url)
    for key, value in options.items():
        if value is None:
            info.pop(key, None)
        else:
            info[key] = value
    if len(_endpoints(info)) > 1:
        info.setdefault(ATTRS, wanted)
    return render(info)


def pinned(url: str, host: str, port: int) -> str:
    """``url`` naming only ``host``:``port`` (a server it found): for a second
    connection that must reach the same server, such as pg_dump sharing a snapshot."""
    return with_options(url, host=host, port=str(port), target_session_attrs=None)


def render(info: Mapping[str, str]) -> str:
    """The URL of libpq keywords ``info``: user and password before the ``@``, the
    database as its path, hosts, ports and every other keyword in the query."""
    auth = quote(info.get("user", ""), safe="")
    if info.get("password"):
        auth += ":" + quote(info["password"], safe="")
    dbname = quote(info.get("dbname", ""), safe="")
    url = "postgresql://" + (auth + "@" if auth else "") + "/" + dbname
    query: dict[str, str] = {}
    if info.get("host"):
        query["host"] = info["host"]
    if info.get("port"):  # an empty place in a list is libpq's default; asyncpg wants it
        query["port"] = ",".join(p or str(DEFAULT_PORT) for p in info["port"].split(","))
    query.update((k, v) for k, v in info.items() if k not in _OWN_KEYS)
    return url + ("?" + urlencode(query, safe="/,:") if query else "")


def display(url: str) -> str:
    """The servers ``url`` names as ``host:port,host:port`` (never its password), for
    logs and /health; ``local socket`` for a URL without a host."""
    try:
        found = endpoints(url)
    except ConfigurationError:
        return "(unreadable URL)"
    return ",".join(f"{h or 'local socket'}:{p}" for h, p in found)


def _endpoints(info: Mapping[str, str]) -> list[tuple[str, int]]:
    hosts = info.get("host", "").split(",")
    ports = info.get("port", "").split(",")
    if len(ports) == 1:
        ports = ports * len(hosts)
    if len(ports) != len(hosts):
        raise ConfigurationError(
            f"{len(hosts)} hosts but {len(ports)} ports in the connection string"
        )
    return [(h, int(p) if p else DEFAULT_PORT) for h, p in zip(hosts, ports, strict=True)]


def _first_line(exc: Exception) -> str:
    return str(exc).split("\n", maxsplit=1)[0]
