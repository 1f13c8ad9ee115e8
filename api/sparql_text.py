"""What a SPARQL request is, read from its tokens before any engine sees it: the query form, whether
it is an update, and whether it asks for a SERVICE call (which the engine would otherwise make)."""

import re
from dataclasses import dataclass

TOKEN = re.compile(r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[A-Za-z][\w.-]*)?:[\w.:%\\-]*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<other>\S)
""", re.VERBOSE | re.DOTALL)

QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
UPDATE_FORMS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
PROLOGUE = {"BASE", "PREFIX"}


@dataclass(frozen=True)
class Analysis:
    form: str | None       # SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE, or None if unrecognisable
    uses_service: bool

    @property
    def returns_triples(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def keywords(text: str) -> list[str]:
    """The bare words of the text, upper-cased, skipping comments, IRIs, strings, variables and
    prefixed names, so `ex:SERVICE` or `"SERVICE"` are not mistaken for the keyword."""
    return [m.group("word").upper() for m in TOKEN.finditer(text) if m.lastgroup == "word"]


def analyse(text: str) -> Analysis:
    words = keywords(text)
    first = next((w for w in words if w not in PROLOGUE), None)
    form = first if first in QUERY_FORMS else "UPDATE" if first in UPDATE_FORMS else None
    return Analysis(form, "SERVICE" in words)
