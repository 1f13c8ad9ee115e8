"""Read `.rq` files whose metadata sits in grlc-style `#+ key: value` comment lines.

The header stays a SPARQL comment, so each file runs unchanged in any SPARQL editor. A value may go
on over indented `#+   ` lines (a YAML block, as grlc writes its decorators). A line that ends in
`#+ example` (a VALUES line at the top of the WHERE clause) binds the example values when the file is
run as it is; it is left out of `body`, which a program runs with the parameters it binds itself.
"""

from dataclasses import dataclass, field
from pathlib import Path

EXAMPLE_MARK = "#+ example"


@dataclass(frozen=True)
class QueryFile:
    name: str
    text: str
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def body(self) -> str:
        """The query without its example-binding lines."""
        return "\n".join(line for line in self.text.splitlines() if not line.rstrip().endswith(EXAMPLE_MARK))


def _meta(text: str) -> dict[str, str]:
    meta, key = {}, None
    for line in text.splitlines():
        if not line.startswith("#+"):
            continue
        if line.startswith("#+  ") and key is not None:
            meta[key] = (meta[key] + "\n" + line[3:]).strip("\n")
            continue
        key, _, value = line[2:].partition(":")
        key = key.strip()
        meta[key] = value.strip()
    return meta


def read(path: Path) -> QueryFile:
    text = path.read_text(encoding="utf-8")
    return QueryFile(path.stem, text, _meta(text))


def read_all(directory: Path) -> list[QueryFile]:
    return [read(p) for p in sorted(directory.glob("*.rq"))]
