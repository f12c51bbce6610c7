"""Baseline files: queries/<namespace>/plans/<query>.<case>.txt, plain text meant for review diffs."""

from dataclasses import dataclass
from pathlib import Path

HEADER = "# Plan baseline: written by `catalog plans update`, compared by `catalog plans check`.\n"


@dataclass(frozen=True)
class Baseline:
    """The recorded shape, buffers and result of one case."""

    query: str
    case: str
    rows: int
    result_hash: str
    buffers: int
    shape: tuple[str, ...]


def baseline_path(directory: Path, query_name: str, case_name: str) -> Path:
    return directory / f"{query_name}.{case_name}.txt"


def render(baseline: Baseline) -> str:
    lines = [
        HEADER.rstrip("\n"),
        f"query: {baseline.query}",
        f"case: {baseline.case}",
        f"rows: {baseline.rows}",
        f"result: {baseline.result_hash}",
        f"buffers: {baseline.buffers}",
        "shape:",
        *baseline.shape,
    ]
    return "\n".join(lines) + "\n"


def parse(text: str) -> Baseline:
    """The inverse of render(); raises ValueError on a file it did not write."""
    head, sep, tree = text.partition("\nshape:\n")
    if not sep:
        raise ValueError("no `shape:` line")
    fields = dict(
        line.split(": ", 1) for line in head.splitlines() if line and not line.startswith("#") and ": " in line
    )
    try:
        return Baseline(
            query=fields["query"],
            case=fields["case"],
            rows=int(fields["rows"]),
            result_hash=fields["result"],
            buffers=int(fields["buffers"]),
            shape=tuple(line for line in tree.splitlines() if line.strip()),
        )
    except (KeyError, ValueError) as exc:
        raise ValueError(f"baseline field missing or wrong: {exc}") from exc


def read(path: Path) -> Baseline | None:
    return parse(path.read_text()) if path.exists() else None


def write(path: Path, baseline: Baseline) -> bool:
    """Write the file if its content changes; True when it did."""
    text = render(baseline)
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return True
