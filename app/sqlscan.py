"""`:name` parameters of a SQL text found with PostgreSQL's own scanner (pglast), and replaced by $1..$n.

Comments, strings ('...', E'...', $$...$$, $tag$...$tag$), quoted identifiers, `::` casts and array
slices (`a[1:2]`, `a[lo:hi]`) are tokens of their own to the scanner, so a `:word` inside them is left
alone; `a[:i]` is the element at parameter `i`. Parameters are numbered in order of first appearance.
"""

from dataclasses import dataclass

from pglast.parser import ParseError, Token, scan

OPERANDS = {"IDENT", "ICONST", "FCONST", "SCONST", "BCONST", "XCONST", "PARAM", "ASCII_41", "ASCII_93"}
"""Tokens after which a `:` inside brackets separates slice bounds: a name, a constant, `)` or `]`."""

COMMENTS = {"SQL_COMMENT", "C_COMMENT"}


class ScanError(ValueError):
    """The text does not scan as SQL (an unterminated string or comment); `offset` is where, from 0."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True)
class Parameter:
    """One `:name` in the text: the name and the offsets of its `:` and of the character after it."""

    name: str
    start: int
    end: int


def tokens(sql: str) -> list[Token]:
    """PostgreSQL's tokens of `sql`, comments included (`SQL_COMMENT`, `C_COMMENT`), with character
    offsets (start and end inclusive); ScanError where the text stops scanning."""
    try:
        return list(scan(sql))
    except ParseError as exc:
        offset = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        raise ScanError(str(exc.args[0]), offset) from None


def parameters(sql: str) -> list[Parameter]:
    """Every `:name` of `sql` outside comments, strings, quoted identifiers, casts and slices; ScanError."""
    significant = [t for t in tokens(sql) if t.name not in COMMENTS]
    found: list[Parameter] = []
    depth = 0
    for i, token in enumerate(significant):
        if token.name == "ASCII_91":
            depth += 1
        elif token.name == "ASCII_93":
            depth = max(0, depth - 1)
        if token.name != "ASCII_58" or i + 1 >= len(significant):
            continue
        word = significant[i + 1]
        text = sql[word.start : word.end + 1]
        if word.start != token.end + 1 or not (text.replace("_", "a").isalnum() and not text[0].isdigit()):
            continue  # `: x`, `:1`, `:"x"`: not a parameter
        if depth and i > 0 and significant[i - 1].name in OPERANDS:
            continue  # the `:` between the bounds of an array slice
        found.append(Parameter(text, token.start, word.end + 1))
    return found


def numbered(sql: str, found: list[Parameter]) -> tuple[str, tuple[str, ...], list[int]]:
    """`sql` with each parameter replaced by $n, the names of $1..$n, and for each character of the new
    text the offset in `sql` it comes from (so PostgreSQL's error positions map back to the file)."""
    order: list[str] = []
    out: list[str] = []
    origin: list[int] = []
    at = 0
    for param in found:
        out.append(sql[at : param.start])
        origin.extend(range(at, param.start))
        if param.name not in order:
            order.append(param.name)
        marker = f"${order.index(param.name) + 1}"
        out.append(marker)
        origin.extend(min(param.start + k, param.end - 1) for k in range(len(marker)))
        at = param.end
    out.append(sql[at:])
    origin.extend(range(at, len(sql)))
    return "".join(out), tuple(order), origin
