"""`virtkg coverage`: hold the built graph against the source texts, so a reviewer sees what is missing.

The texts are read at run time from a folder the user names; the project ships none of them. Sections
are located by the headings the fact files declare, so plain-text documents work as well as Markdown.
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from pathlib import Path

import ftfy

from kg import queryfile
from kg.errors import InputError
from kg.store import EmbeddedStore

SEED_FILE = re.compile(r"^(\d{3})_[0-9a-f]+\.txt$")
NAME = re.compile(r"\b[A-Z][\w+/.-]*[\w+](?:[ -](?:[A-Z][\w+/.-]*[\w+]|\d+))*")
QUANTITY = re.compile(
    r"(?<![\w.])(\d+(?:\.\d+)?)(?:\s*-\s*(\d+(?:\.\d+)?))?\s*"
    r"(ms|milliseconds?|seconds?|minutes?|hours?|days?|years?|GB|MB|kB|KB|gigabytes?|megabytes?|%|x|X)(?!\w)")
SENTENCE_START = re.compile(r"(?:^|[.!?:]\s+|\n[\s>*•-]*|\*\*\s*(?:-\s+)?|\|\s*|\d\.\s+)$")
FENCE = "```"


@dataclass
class SectionReport:
    slug: str
    heading: str
    level: int
    facts: int
    resources: int
    located: bool = True
    unmapped: list[str] = field(default_factory=list)


@dataclass
class DocumentReport:
    identifier: str
    sections: list[SectionReport] = field(default_factory=list)
    undeclared_headings: list[str] = field(default_factory=list)
    in_graph: bool = True

    @property
    def empty_sections(self) -> list[SectionReport]:
        return [s for s in self.sections if s.facts == 0]

    @property
    def problems(self) -> list[str]:
        """What `--strict` fails on: the graph does not account for part of the document."""
        if not self.in_graph:
            return [f"{self.identifier}: the graph has no facts from this document"]
        out = [f"{self.identifier}: section {s.slug!r} has no facts" for s in self.empty_sections]
        out += [f"{self.identifier}: heading {s.heading!r} of section {s.slug!r} is not in the text"
                for s in self.sections if not s.located]
        out += [f"{self.identifier}: heading {h!r} is not declared as a section" for h in self.undeclared_headings]
        return out


def _normalise_heading(line: str) -> str:
    return line.strip().lstrip("#").strip()


def _split(lines: list[str], headings: list[str]) -> tuple[list[tuple[bool, str]], list[str]]:
    """Cut the text at the declared headings, in order: each section's (found, text), and the
    Markdown heading lines outside code fences that no section declares (the title line is the
    document itself, not a section)."""
    starts, cursor = [], 0
    for heading in headings:
        index = next((i for i in range(cursor, len(lines)) if _normalise_heading(lines[i]) == heading), None)
        starts.append(index)
        cursor = index + 1 if index is not None else cursor
    found = sorted(i for i in starts if i is not None)
    texts = []
    for index in starts:
        if index is None:
            texts.append((False, ""))
            continue
        end = next((i for i in found if i > index), len(lines))
        texts.append((True, "\n".join(lines[index + 1:end])))
    declared, in_fence, undeclared = set(found), False, []
    title = next((i for i, line in enumerate(lines) if line.startswith("# ")), None)  # the document's own title
    for i, line in enumerate(lines):
        if line.strip().startswith(FENCE):
            in_fence = not in_fence
        elif not in_fence and line.startswith("#") and i not in declared and i != title:
            undeclared.append(_normalise_heading(line))
    return texts, undeclared


def _mentioned(term: str, texts: str, numbers: set[Decimal]) -> bool:
    quantity = QUANTITY.fullmatch(term)
    if quantity:
        values = [Decimal(v) for v in quantity.groups()[:2] if v]
        return all(v in numbers for v in values) or term.lower() in texts
    return term.lower() in texts


def _is_name(match: re.Match, lower_words: set[str]) -> bool:
    """A lone capitalised word is a name unless the document also writes it in lower case, or it merely
    opens a sentence, line or list item; acronyms (two capitals or more) are always names."""
    word = match.group(0)
    if " " in word or "-" in word or sum(c.isupper() for c in word) >= 2:
        return True
    opens = SENTENCE_START.search(match.string[:match.start()])
    return not opens and word.lower() not in lower_words


def _gibberish(word: str) -> bool:
    """A run of encoded bytes (an inlined image, say), not a word: digits amid mixed-case letters, or
    a long word that switches case again and again."""
    letters = [c for c in word if c.isalpha()]
    switches = sum(1 for a, b in zip(letters, letters[1:]) if a.isupper() != b.isupper())
    mixed = any(c.isupper() for c in letters) and any(c.islower() for c in letters)
    return (mixed and any(c.isdigit() for c in word) and len(word) >= 4) or (len(word) >= 10 and switches >= 4)


def _readable(text: str) -> str:
    """The text with mojibake repaired (ftfy) and the lines that hold encoded data dropped."""
    lines = ftfy.fix_text(text).splitlines()
    return "\n".join(line for line in lines if sum(map(_gibberish, line.split())) < 2)


def _candidates(text: str, document: str) -> list[str]:
    """Capitalised names and numbers with units, from the readable part of the text."""
    text = _readable(text)
    lower_words = set(re.findall(r"\b[a-z][\w-]*\b", document))
    names = [m.group(0) for m in NAME.finditer(text)
             if _is_name(m, lower_words) and not any(map(_gibberish, m.group(0).split()))]
    quantities = [m.group(0) for m in QUANTITY.finditer(text)]
    return list(dict.fromkeys(names + quantities))


def _graph_mentions(store: EmbeddedStore) -> tuple[str, set[Decimal]]:
    query = queryfile.read(Path(str(files("kg.reports"))) / "mentions.rq")
    texts, numbers = [], set()
    for row in store.query(query.text):
        value = row["text"].value
        texts.append(value.replace("-", " ").lower() if "/" not in value else value.lower())
        texts.append(value.lower())
        try:
            numbers.add(Decimal(value))
        except InvalidOperation:
            pass
    return "\n".join(texts), numbers


def coverage(store: EmbeddedStore, docs_dir: Path) -> list[DocumentReport]:
    seeds = sorted(p for p in docs_dir.glob("*.txt") if SEED_FILE.match(p.name))
    if not seeds:
        raise InputError(f"{docs_dir}: no source documents (files named NNN_<hash>.txt)")
    query = queryfile.read(Path(str(files("kg.reports"))) / "sections.rq")
    declared: dict[str, list[dict]] = {}
    for row in store.query(query.text):
        declared.setdefault(row["id"].value, []).append({
            "slug": row["section"].value.rsplit("/", 1)[-1], "heading": row["heading"].value,
            "level": int(row["level"].value), "facts": int(row["facts"].value),
            "resources": int(row["resources"].value)})
    texts, numbers = _graph_mentions(store)
    reports = []
    for path in seeds:
        report = DocumentReport(path.stem)
        reports.append(report)
        sections = declared.get(path.stem)
        if not sections:
            report.in_graph = False
            continue
        document = path.read_text(encoding="utf-8", errors="replace")
        parts, report.undeclared_headings = _split(document.splitlines(), [s["heading"] for s in sections])
        for section, (located, text) in zip(sections, parts):
            unmapped = [t for t in _candidates(text, document) if not _mentioned(t, texts, numbers)]
            report.sections.append(SectionReport(**section, located=located, unmapped=unmapped))
    return reports


def render(reports: list[DocumentReport]) -> str:
    lines = []
    for doc in reports:
        lines.append(f"== {doc.identifier}")
        if not doc.in_graph:
            lines.append("   the graph has no facts from this document")
            continue
        facts = sum(s.facts for s in doc.sections)
        lines.append(f"   {len(doc.sections)} sections, {facts} facts, {len(doc.empty_sections)} sections without facts")
        for s in doc.sections:
            flag = "" if s.located else "  [heading not found in text]"
            lines.append(f"   {s.slug:<44} facts {s.facts:>4}  resources {s.resources:>3}{flag}")
            if s.unmapped:
                lines.append(f"      not in the graph: {', '.join(s.unmapped)}")
        for heading in doc.undeclared_headings:
            lines.append(f"   undeclared heading: {heading!r}")
    return "\n".join(lines)
