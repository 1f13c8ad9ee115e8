"""Read `.rq` files whose metadata sits in grlc-style `#+ key: value` comment lines.

The header stays a SPARQL comment, so each file runs unchanged in any SPARQL editor.
"""

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class QueryFile:
    name: str
    text: str
    meta: dict[str, str] = field(default_factory=dict)


def read(path: Path) -> QueryFile:
    text = path.read_text(encoding="utf-8")
    meta = {}
    for line in text.splitlines():
        if not line.startswith("#+"):
            continue
        key, _, value = line[2:].partition(":")
        meta[key.strip()] = value.strip()
    return QueryFile(path.stem, text, meta)


def read_all(directory: Path) -> list[QueryFile]:
    return [read(p) for p in sorted(directory.glob("*.rq"))]
