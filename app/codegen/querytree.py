"""PostgreSQL's own analysis of a statement: the rewritten query tree (`debug_print_rewritten`) as Python.

PostgreSQL prints the tree it plans from (names resolved to oids, views expanded, `*` expanded, outer
joins explicit) in its node text format, `{QUERY :commandType 1 ...}`; `read` turns that text into
`Node`s (a node's fields by name), lists and strings. Nothing here knows what the nodes mean.
"""

from dataclasses import dataclass, field
from typing import Any

DELIMITERS = "(){}"


@dataclass
class Node:
    """One node: its type (`QUERY`, `VAR`, `OPEXPR`...) and its fields, raw (str, int list, Node, list)."""

    type: str
    fields: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    def int(self, name: str, default: int = 0) -> int:
        value = self.fields.get(name)
        return int(value) if isinstance(value, str) and value.lstrip("-").isdigit() else default

    def flag(self, name: str) -> bool:
        return self.fields.get(name) == "true"

    def nodes(self, name: str) -> list[Any]:
        value = self.fields.get(name)
        return value if isinstance(value, list) else []


class TreeFormatError(Exception):
    """The text is not in PostgreSQL's node format (an unexpected server version, or a truncated message)."""


def _tokens(text: str) -> list[str]:
    """pg_strtok's tokens: `(){}` alone, anything else up to whitespace or a delimiter, `\\` escaping a character."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in DELIMITERS:
            out.append(char)
            i += 1
        else:
            start, buf = i, []
            while i < n and not text[i].isspace() and text[i] not in DELIMITERS:
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                buf.append(text[i])
                i += 1
            out.append("".join(buf) if i > start else "")
    return out


class _Reader:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> str:
        if self.at >= len(self.tokens):
            raise TreeFormatError("the tree ends early")
        self.at += 1
        return self.tokens[self.at - 1]

    def value(self) -> Any:
        token = self.take()
        if token == "{":
            return self.node()
        if token == "(":
            return self.list()
        if token == "<>":
            return None
        if len(token) >= 2 and token[0] == token[-1] == '"':
            return token[1:-1]
        return token

    def node(self) -> Node:
        node = Node(self.take())
        while (token := self.peek()) != "}":
            if token is None:
                raise TreeFormatError(f"node {node.type} is not closed")
            name = self.take()
            if not name.startswith(":"):
                raise TreeFormatError(f"expected a field of {node.type}, found {name!r}")
            parts = []
            while (nxt := self.peek()) is not None and nxt != "}" and not (nxt.startswith(":") and len(nxt) > 1):
                parts.append(self.value())
            node.fields[name[1:]] = parts[0] if len(parts) == 1 else (None if not parts else parts)
        self.take()
        return node

    def list(self) -> list[Any]:
        items: list[Any] = []
        kind = self.peek()
        if kind in ("b", "i", "o", "x"):  # bitmapset or integer/oid/xid list
            self.take()
            while self.peek() != ")":
                items.append(int(self.take()))
            self.take()
            return items
        while (token := self.peek()) != ")":
            if token is None:
                raise TreeFormatError("a list is not closed")
            items.append(self.value())
        self.take()
        return items


def read(text: str) -> Any:
    """The value that `text` (one `nodeToString` output, pretty-printed or not) holds."""
    reader = _Reader(_tokens(text))
    value = reader.value()
    if reader.peek() is not None:
        raise TreeFormatError("text after the tree")
    return value


def statement(text: str) -> Node:
    """The query of a printed rewritten tree that returns the statement's result (`canSetTag`)."""
    value = read(text)
    queries = [q for q in (value if isinstance(value, list) else [value]) if isinstance(q, Node) and q.type == "QUERY"]
    tagged = [q for q in queries if q.flag("canSetTag")]
    if not tagged:
        raise TreeFormatError("no query in the tree")
    return tagged[0]
