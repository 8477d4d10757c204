"""The procedure registry: declaring, replacing and removing procedures, fixed tables,
and the procedures installed packages declare as entry points."""

import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from kgmem.procedures import Procedure, Reader, Registry, builtin, procedure, table
from kgmem.procedures.registry import same


async def _nothing(reader: Reader, args: Mapping[str, Any]) -> list[Any]:
    return []


class _NoReads:
    namespace = "ns"

    async def cypher(self, query: str, params: Any = None) -> Any:
        raise AssertionError("a table reads nothing")

    async def stats(self) -> Any:
        raise AssertionError("a table reads nothing")


def test_names_are_unique_whatever_their_case() -> None:
    registry = builtin.registry("test")
    with pytest.raises(ValueError, match="registered"):
        registry.register(procedure("DB.LABELS() :: (x :: ANY)", _nothing))
    replacement = procedure("DB.LABELS() :: (x :: ANY)", _nothing)
    registry.register(replacement, replace=True)
    assert registry.find("db.labels") is replacement
    assert registry.unregister("Db.Labels") is replacement
    assert registry.find("db.labels") is None


def test_registered_for_a_block_then_as_before() -> None:
    registry = builtin.registry("test")
    original = registry.find("db.labels")
    mine = procedure("db.labels() :: (mine :: STRING)", _nothing)
    extra = procedure("my.extra() :: ()", _nothing)
    with registry.registered(mine, extra, replace=True):
        assert registry.find("db.labels") is mine and registry.find("my.extra") is extra
    assert registry.find("db.labels") is original and registry.find("my.extra") is None
    with pytest.raises(RuntimeError), registry.registered(extra):
        raise RuntimeError
    assert registry.find("my.extra") is None
    assert [p.name for p in registry] == sorted(builtin.NAMES)


@pytest.mark.parametrize(
    ("declared", "mode"),
    [
        ("p(a = 1 :: INTEGER, b :: INTEGER) :: ()", "read"),  # a default before a required
        ("p(a :: INTEGER, a :: STRING) :: ()", "read"),
        ("p() :: (x :: ANY, x :: ANY)", "read"),
        ("p() :: ()", "delete"),
    ],
)
def test_inconsistent_declarations_are_refused(declared: str, mode: Any) -> None:
    with pytest.raises(ValueError, match=r"."):
        procedure(declared, _nothing, mode=mode)


def test_a_signature_prints_as_neo4j_does() -> None:
    declared = procedure("x.y(a :: STRING, n = 10 :: INTEGER?) :: (out :: LIST<FLOAT>)", _nothing)
    assert declared.signature == "x.y(a :: STRING, n = 10 :: INTEGER?) :: (out :: LIST OF FLOAT)"
    assert procedure("x.v() :: ()", _nothing).signature == "x.v() :: VOID"


async def test_a_table_yields_the_rows_whose_arguments_match() -> None:
    fixed = table(
        "t.p(name :: STRING?, n :: FLOAT?) :: (out :: STRING?)",
        [["a", 1, "one"], ["a", 2.5, "two"], [None, 1, "nameless"], ["b", 1, "bee"]],
    )
    assert await fixed.body(_NoReads(), {"name": "a", "n": 1.0}) == [["one"]]
    assert await fixed.body(_NoReads(), {"name": None, "n": 1.0}) == [["nameless"]]
    assert await fixed.body(_NoReads(), {"name": "c", "n": 1.0}) == []
    with pytest.raises(ValueError, match="values"):
        table("t.p(a :: INTEGER) :: (b :: INTEGER)", [[1]])
    with pytest.raises(ValueError, match="INTEGER"):
        table("t.p(a :: INTEGER) :: (b :: INTEGER)", [[1, "x"]])


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [(1, 1.0, True), (True, 1, False), (None, None, True), ([1, True], [1, True], True),
     ([1], [True], False), ({"a": 1}, {"a": 1.0}, True), ({"a": 1}, {"b": 1}, False)],
)  # fmt: skip
def test_argument_equality_never_mixes_booleans_and_numbers(a: Any, b: Any, equal: bool) -> None:
    assert same(a, b) is equal and same(b, a) is equal


PLUGIN = """
from kgmem.procedures import procedure

async def _hello(reader, args):
    return [[f"hello {args['who']}"]]

PROCEDURES = [procedure("plugin.hello(who :: STRING) :: (greeting :: STRING)", _hello)]

def broken():
    raise RuntimeError("this plugin cannot load")
"""


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[Path]:
    """A package on sys.path with the entry points of an installed distribution."""
    (tmp_path / "kgmem_test_plugin.py").write_text(PLUGIN)
    info = tmp_path / "kgmem_test_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kgmem-test-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[kgmem.procedures]\n"
        "hello = kgmem_test_plugin:PROCEDURES\n"
        "broken = kgmem_test_plugin:broken\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("kgmem_test_plugin", None)


async def test_entry_points_are_loaded_once_and_a_broken_one_is_skipped(
    installed: Path, caplog: pytest.LogCaptureFixture
) -> None:
    registry = Registry()
    assert registry.load_entry_points() == ["plugin.hello"]
    assert "broken" in caplog.text and "cannot load" in caplog.text
    assert registry.load_entry_points() == []  # already loaded
    hello = registry.find("plugin.hello")
    assert isinstance(hello, Procedure)
    assert await hello.body(_NoReads(), {"who": "Ann"}) == [["hello Ann"]]
