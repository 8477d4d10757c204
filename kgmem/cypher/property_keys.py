"""Property keys and variables that are keywords, in the form AGE 1.7 reads.

openCypher lets a property key be any name, keywords included: ``n.exists``,
``n.count``, ``n.end``, ``{in: 1}.in``. AGE's grammar reads such a key after ``.`` as
its keyword and answers a syntax error, while it reads the same key in backticks as a
name. kgmem writes every key after ``.`` that is one of AGE's keywords in backticks
(``n.`exists```); a key in backticks already, a function name (``kgmem_cypher.labels(``)
and a number (``1.5``) are left as they are. The key, and so the property read, does
not change.

Variables and aliases likewise: openCypher reserves ``exists`` or ``match`` but not
``count``, ``coalesce`` or ``operator``, which AGE reads as keywords, so ``RETURN
count(n) AS count`` and ``WITH count(*) AS count RETURN count > 0`` are syntax errors
there. Each such name that neither follows ``.`` or ``:`` nor opens a call (``count(``)
or a subquery (``COUNT {``) is written in backticks; the column keeps its name.
"""

from __future__ import annotations

from collections.abc import Sequence

from kgmem.cypher.lexer import Kind, Token

# AGE 1.7's keywords; each one is a syntax error as a bare key after a dot ("n.all").
KEYWORDS = frozenset([
    "ALL", "ANALYZE", "AND", "AS", "ASC", "ASCENDING", "BY", "CALL", "CASE", "COALESCE",
    "CONTAINS", "COUNT", "CREATE", "DELETE", "DESC", "DESCENDING", "DETACH", "DISTINCT",
    "ELSE", "END", "ENDS", "EXISTS", "EXPLAIN", "FALSE", "IN", "IS", "LIMIT", "MATCH",
    "MERGE", "NOT", "NULL", "OPERATOR", "OPTIONAL", "OR", "ORDER", "REMOVE", "RETURN",
    "SET", "SKIP", "STARTS", "THEN", "TRUE", "UNION", "UNWIND", "VERBOSE", "WHEN",
    "WHERE", "WITH", "XOR", "YIELD",
])  # fmt: skip


# AGE's keywords that openCypher does not reserve, so they may name a variable.
_UNRESERVED = frozenset(["ANALYZE", "COALESCE", "COUNT", "EXPLAIN", "OPERATOR", "VERBOSE"])


def rewrite(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits putting each keyword property key in backticks."""
    edits = []
    for index in range(1, len(code)):
        token = code[index]
        if token.kind is not Kind.NAME or code[index - 1].text != ".":
            continue
        if token.upper not in KEYWORDS:
            continue
        if index + 1 < len(code) and code[index + 1].text == "(":
            continue  # a qualified function name
        edits.append((token.start, token.end, f"`{token.text}`"))
    return edits


def quoted(text: str, tokens: Sequence[Token]) -> str:
    """The text of ``tokens`` (a span of code tokens) with its keyword keys and keyword
    variables in backticks, for a rewrite that replaces a whole span with its own text
    of it."""
    if not tokens:
        return ""
    out, at = [], tokens[0].start
    for begin, end, replacement in sorted(rewrite(text, tokens) + variables(text, tokens)):
        out.append(text[at:begin] + replacement)
        at = end
    out.append(text[at : tokens[-1].end])
    return "".join(out)


_BEFORE_OPERAND = frozenset(
    {"WHEN", "THEN", "ELSE", "CASE", "AND", "OR", "XOR", "NOT", "IN", "WITH", "RETURN",
     "(", "[", "{", ",", "=", "<>", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "^"}
)  # fmt: skip


def _operand_at(code: Sequence[Token], index: int) -> bool:
    """Whether ``END`` at ``index`` stands where a value goes (a variable ``end``), not
    where a CASE expression closes: before ``.``, or after an operator or keyword."""
    if index + 1 < len(code) and code[index + 1].text == ".":
        return True
    return index > 0 and code[index - 1].text.upper() in _BEFORE_OPERAND


def variables(text: str, code: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(start, end, replacement) edits putting each variable named by one of AGE's
    keywords that openCypher leaves free in backticks."""
    edits = []
    cases = 0  # CASE expressions open: an END there closes one, not a variable
    for index, token in enumerate(code):
        if token.kind is Kind.NAME and token.upper == "CASE":
            cases += 1
        if token.kind is Kind.NAME and token.upper == "END":
            if index and code[index - 1].text in (".", ":"):
                continue  # a property key or a label
            if cases and not _operand_at(code, index):
                cases -= 1
            else:
                edits.append((token.start, token.end, f"`{token.text}`"))  # Neo4j allows it
            continue
        if token.kind is not Kind.NAME or token.upper not in _UNRESERVED or index == 0:
            continue
        if code[index - 1].text in (".", ":"):
            continue
        if index + 1 < len(code) and code[index + 1].text in ("(", "{"):
            continue
        edits.append((token.start, token.end, f"`{token.text}`"))
    return edits
