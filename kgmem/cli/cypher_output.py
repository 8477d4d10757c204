"""Cypher results as a rich table, JSON or CSV (the console's output formats)."""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any, Literal

from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:
    from kgmem.model import CypherResult


Format = Literal["table", "json", "csv"]


def as_json(result: CypherResult) -> str:
    """One JSON document: columns, rows, truncated, timings."""
    body = {
        "columns": result.columns,
        "rows": result.rows,
        "truncated": result.truncated,
        "timings": result.timings,
    }
    return json.dumps(body, ensure_ascii=False, indent=2)


def as_csv(result: CypherResult) -> str:
    """A header row, then one row per result row: strings and numbers as they are, null
    as an empty cell, nodes, relationships, paths, lists and maps written as the table
    shows them (``(:Person {name: "Alice"})``, as cypher-shell does), never as JSON."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.rows:
        writer.writerow([_csv_cell(v) for v in row])
    return out.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return show(value)


def as_table(result: CypherResult) -> Table:
    """A rich table; nodes as ``(:Label {k: v})``, relationships as ``[:TYPE {k: v}]``."""
    # Values are text, never rich markup: a list "[1, 2]" or a "[:KNOWS]" stays as it is.
    table = Table(show_lines=False)
    for column in result.columns:
        table.add_column(Text(column))
    for row in result.rows:
        table.add_row(*(Text(show(v)) for v in row))
    note = f"{len(result.rows)} row(s)"
    if result.truncated:
        note += ", truncated at the row limit"
    table.caption = f"{note}; {result.timings.get('total_ms', 0):.1f} ms"
    return table


def show(value: Any) -> str:
    """A compact Cypher-like rendering of one value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return _show_map(value)
    return str(value)


def _show_map(value: dict[str, Any]) -> str:
    kind = value.get("kind")
    if kind == "node" and "properties" in value:
        labels = "".join(f":{label}" for label in value.get("labels") or [value["label"]])
        return f"({labels} {_props(value['properties'])})"
    if kind == "relationship" and "properties" in value:
        return f"[:{value['label']} {_props(value['properties'])}]"
    if kind == "path" and "nodes" in value:
        parts = [show(value["nodes"][0])]
        for rel, node in zip(value["relationships"], value["nodes"][1:], strict=False):
            parts += ["-", show(rel), "->", show(node)]
        return "".join(parts)
    return _props(value)


def _props(props: dict[str, Any]) -> str:
    inner = ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in props.items())
    return "{" + inner + "}"
