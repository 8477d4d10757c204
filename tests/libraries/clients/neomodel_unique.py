"""neomodel on kgmem: install_all_labels, then its unique_index enforced on save."""

from typing import Any

from harness import Report, main
from neomodel import StringProperty, StructuredNode, UniqueProperty, config, db


class Customer(StructuredNode):
    email = StringProperty(unique_index=True)
    name = StringProperty(index=True)


def _second_save() -> str:
    try:
        Customer(email="ada@example.org", name="Ada again").save()
    except UniqueProperty as error:
        return f"UniqueProperty: {error.message}"
    return "saved"


def _show() -> dict[str, Any]:
    found: dict[str, Any] = {}
    for kind in ("INDEXES", "CONSTRAINTS"):
        rows, columns = db.cypher_query(
            f"SHOW {kind} YIELD name, type, entityType, labelsOrTypes, properties"
        )
        found[kind.lower()] = [dict(zip(columns, row, strict=True)) for row in rows]
    return found


def _count() -> int:
    rows, _ = db.cypher_query(
        "MATCH (c:Customer) WHERE c.email = $email RETURN count(c)", {"email": "ada@example.org"}
    )
    return int(rows[0][0])


def unique(report: Report, settings: dict[str, str]) -> None:
    host = settings["uri"].removeprefix("bolt://")
    config.DATABASE_URL = f"bolt://kgmem:{settings['key']}@{host}/{settings['database']}"
    report.step("install_all_labels", db.install_all_labels)
    report.step("install_all_labels_again", db.install_all_labels)
    report.results["schema"] = report.step("show", _show)
    report.step("first_save", lambda: Customer(email="ada@example.org", name="Ada").save())
    report.results["second_save"] = report.step("second_save", _second_save)
    report.results["count"] = report.step("count", _count)


if __name__ == "__main__":
    main({"unique": unique})
