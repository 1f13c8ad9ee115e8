"""Finding a resource by what people call it: its label, any alt label the sources use ("VMM",
"bare-metal hypervisor"), or words of its definition, ranked so that the name a user typed beats a
passing mention."""

from dataclasses import dataclass

from api.pages.site import Name, Site, norm

MAX_QUERY = 200


@dataclass(frozen=True)
class Hit:
    name: Name
    score: int
    matched: str     # the name (or "definition") that matched

    def as_dict(self, url: str) -> dict:
        return {"iri": self.name.iri, "label": self.name.label, "url": url, "matched": self.matched,
                "score": self.score, "definition": self.name.definition}


def _score(entry: Name, query: str, words: list[str]) -> tuple[int, str]:
    best = (0, "")
    for name, (kind, written) in entry.names.items():
        bonus = 10 if kind == "label" else 0
        if name == query:
            score = 90 + bonus
        elif name.startswith(query):
            score = 60 + bonus
        elif all(w in name.split() for w in words):
            score = 45 + bonus
        elif all(w in name for w in words):
            score = 35 + bonus
        else:
            continue
        if score > best[0]:
            best = (score, written)
    if not best[0] and words and all(w in norm(entry.definition) for w in words):
        best = (15, "definition")
    return best


def search(site: Site, text: str, limit: int = 20) -> list[Hit]:
    query = norm(text[:MAX_QUERY])
    if not query:
        return []
    words = query.split()
    hits = []
    for entry in site.names.values():
        score, matched = _score(entry, query, words)
        if score:
            hits.append(Hit(entry, score, matched))
    hits.sort(key=lambda h: (-h.score, len(h.name.label), h.name.label.lower(), h.name.iri))
    return hits[:limit]


def exact(hits: list[Hit]) -> Hit | None:
    """The one resource whose own name is exactly what was typed, if there is exactly one."""
    top = [h for h in hits if h.score >= 90]
    return top[0] if len(top) == 1 else None
