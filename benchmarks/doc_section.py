"""A benchmark's section of ``docs/benchmarks.md``: the text between its two markers."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(block: str, start: str, end: str, doc: Path = DOC) -> None:
    """Put `block` (from the marker `start` to the marker `end`, both included) where those
    markers stand in `doc`, or at its end when they are not there yet."""
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    i, j = text.find(start), text.find(end)
    if 0 <= i < j:
        text = text[:i] + block.strip("\n") + text[j + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + block.strip("\n") + "\n"
    doc.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
