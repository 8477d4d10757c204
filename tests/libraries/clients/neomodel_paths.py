"""neomodel on kgmem: a small model set through its first-use paths (labels, save, get,
filter, order_by, relationships, get_or_create, create_or_update, refresh, delete and a
transaction rolled back by an error)."""

from typing import Any

from harness import Report, main
from neomodel import (
    IntegerProperty,
    RelationshipTo,
    StringProperty,
    StructuredNode,
    UniqueIdProperty,
    config,
    db,
)


class Author(StructuredNode):
    uid = UniqueIdProperty()
    name = StringProperty(unique_index=True)
    age = IntegerProperty(index=True)
    wrote = RelationshipTo("Book", "WROTE")


class Book(StructuredNode):
    title = StringProperty(unique_index=True)
    year = IntegerProperty(index=True, default=2000)


class Rollback(Exception):
    """Raised inside the transaction to roll it back."""


def _names(nodes: list[Any]) -> list[str]:
    return [node.name for node in nodes]


def _save_authors() -> list[str]:
    saved = [Author(name=name, age=age).save() for name, age in
             (("Ada", 36), ("Grace", 85), ("Alan", 41))]  # fmt: skip
    return [author.uid for author in saved]


def _string_filters() -> dict[str, list[str]]:
    """neomodel's string lookups, which it writes as ``=~`` with a whole-string regex."""
    lookups = {
        "iexact": {"name__iexact": "al"},
        "istartswith": {"name__istartswith": "a"},
        "icontains": {"name__icontains": "RA"},
        "regex": {"name__regex": "A.a"},
    }
    return {k: sorted(_names(Author.nodes.filter(**v))) for k, v in lookups.items()}


def _rows(query: str, params: dict[str, Any] | None = None) -> list[list[Any]]:
    found, _ = db.cypher_query(query, params or {})
    return [list(row) for row in found]


def _transaction() -> dict[str, Any]:
    try:
        with db.transaction:
            Author(name="Ghost", age=1).save()
            raise Rollback
    except Rollback:
        pass
    with db.transaction:
        Author(name="Committed", age=2).save()
    return {"ghost": Author.nodes.get_or_none(name="Ghost") is not None,
            "committed": Author.nodes.get_or_none(name="Committed") is not None}  # fmt: skip


def _update_and_refresh() -> dict[str, Any]:
    ada = Author.nodes.get(name="Ada")
    ada.age = 37
    ada.save()
    _rows("MATCH (a:Author {name: 'Ada'}) SET a.age = 38")
    before = ada.age
    ada.refresh()
    return {"before_refresh": before, "after_refresh": ada.age}


def _relationships() -> dict[str, Any]:
    ada, alan = Author.nodes.get(name="Ada"), Author.nodes.get(name="Alan")
    notes = Book(title="Notes", year=1843).save()
    paper = Book(title="Computable Numbers", year=1936).save()
    ada.wrote.connect(notes)
    alan.wrote.connect(paper)
    alan.wrote.connect(notes)
    found = {"ada_wrote": [b.title for b in ada.wrote.all()],
             "alan_wrote": sorted(b.title for b in alan.wrote.all()),
             "is_connected": alan.wrote.is_connected(notes)}  # fmt: skip
    alan.wrote.disconnect(notes)
    found["alan_after_disconnect"] = [b.title for b in alan.wrote.all()]
    found["wrote_rows"] = _rows(
        "MATCH (a:Author)-[:WROTE]->(b:Book) RETURN a.name, b.title ORDER BY a.name"
    )
    return found


def _connect(settings: dict[str, str]) -> None:
    host = settings["uri"].removeprefix("bolt://")
    config.DATABASE_URL = f"bolt://kgmem:{settings['key']}@{host}/{settings['database']}"


def models(report: Report, settings: dict[str, str]) -> None:
    _connect(settings)
    r = report.results
    report.step("install_all_labels", db.install_all_labels)
    r["uids"] = report.step("save", _save_authors)
    got = report.step("get", lambda: Author.nodes.get(name="Grace"))
    r["get"] = {"name": got.name, "age": got.age, "element_id": got.element_id}
    r["get_by_uid"] = report.step("get_by_uid", lambda: Author.nodes.get(uid=r["uids"][0]).name)
    r["filter"] = report.step("filter", lambda: _names(Author.nodes.filter(age__gt=40)))
    r["string_filters"] = report.step("string_filters", _string_filters)
    r["order_by"] = report.step("order_by", lambda: _names(Author.nodes.order_by("-age")))
    r["get_or_none"] = report.step("get_or_none", lambda: Author.nodes.get_or_none(name="Nobody"))
    r["update_refresh"] = report.step("update_refresh", _update_and_refresh)
    r["relationships"] = report.step("relationships", _relationships)
    r["delete"] = report.step("delete", lambda: Author.nodes.get(name="Grace").delete())
    r["authors"] = report.step("authors", lambda: _rows(
        "MATCH (a:Author) RETURN a.name ORDER BY a.name"))  # fmt: skip
    r["transaction"] = report.step("transaction", _transaction)


def merges(report: Report, settings: dict[str, str]) -> None:
    _connect(settings)
    r = report.results
    report.step("install_all_labels", db.install_all_labels)
    report.step("save", lambda: Book(title="Notes", year=1843).save())
    created = report.step("get_or_create", lambda: Book.get_or_create(
        {"title": "Notes"}, {"title": "Sketch", "year": 1950}))  # fmt: skip
    r["get_or_create"] = [[b.title, b.year] for b in created]
    updated = report.step("create_or_update", lambda: Book.create_or_update(
        {"title": "Sketch", "year": 1951}, {"title": "Draft", "year": 1960}))  # fmt: skip
    r["create_or_update"] = [[b.title, b.year] for b in updated]
    r["books"] = report.step("books", lambda: _rows(
        "MATCH (b:Book) RETURN b.title, b.year ORDER BY b.title"))  # fmt: skip


if __name__ == "__main__":
    main({"models": models, "merges": merges})
