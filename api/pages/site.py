"""What every page needs to know about the whole graph, read once per build: the class tree with its
counts, the source documents with their sections and graphs, and every name our own graphs give (for
search and for 404 suggestions). A new build gets a new Site; nothing here is per request."""

import difflib
from dataclasses import dataclass, field
from functools import lru_cache

import pyoxigraph as ox
from markupsafe import escape

from api import urls
from api.pages import read
from kg.namespaces import curie, PREFIXES, INFERRED_GRAPH, MAPPINGS_GRAPH, ONTOLOGY_IRI, PROVENANCE_GRAPH, VKG, VOCABULARY_GRAPH

TOP_CLASS = str(VKG.Entity)
LABEL, ALT_LABEL, DEFINITION = (ox.NamedNode(PREFIXES[p] + local) for p, local in
                                 (("rdfs", "label"), ("skos", "altLabel"), ("skos", "definition")))


@dataclass
class ClassInfo:
    iri: str
    label: str
    definition: str = ""
    parents: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)
    members: int = 0


@dataclass
class Section:
    iri: str
    heading: str
    label: str
    order: int
    level: int
    graphs: list[str] = field(default_factory=list)


@dataclass
class Document:
    iri: str
    identifier: str
    title: str
    sections: list[Section] = field(default_factory=list)
    graphs: list[str] = field(default_factory=list)  # derived from the document as a whole

    @property
    def number(self) -> str:
        return self.identifier.split("_", 1)[0]


@dataclass(frozen=True)
class Badge:
    """Who says a statement: a document section, the document itself, or one of our own graphs."""

    graph: str
    text: str       # short: "002 §4"
    title: str      # long: the document's title and the section's heading
    url_iri: str    # the IRI whose page the badge opens
    kind: str       # "source", "ontology", "inferred", "provenance"

    def __html__(self) -> str:
        """The badge as a link (pages show hundreds: cheaper than a template macro each)."""
        return _badge_html(self, urls.href(self.url_iri))


@lru_cache(maxsize=4096)
def _badge_html(badge: Badge, href: str) -> str:
    return (f'<a class="badge badge-{escape(badge.kind)}" href="{escape(href)}" title="{escape(badge.title)}">'
            f'{escape(badge.text)}<span class="visually-hidden">: {escape(badge.title)}</span></a>')


@dataclass
class Name:
    iri: str
    label: str
    names: dict[str, tuple[str, str]] = field(default_factory=dict)  # normalised -> ("label" or "alt", as written)
    shown: list[str] = field(default_factory=list)        # the alt labels as written
    definition: str = ""


def norm(text: str) -> str:
    return " ".join(text.lower().replace("-", " ").replace("_", " ").split())


class Site:
    def __init__(self):
        self.classes = self._classes()
        self.documents, self.badges = self._sources()
        self.sections = {s.iri: (doc, s) for doc in self.documents.values() for s in doc.sections}
        self.names = self._names()
        version = read.select("ontology-version")
        self.version_iri, self.version = (version[0]["versionIRI"].value, version[0]["version"].value) if version else (None, None)

    # --- classes ---------------------------------------------------------------------------------
    def _classes(self) -> dict[str, ClassInfo]:
        classes: dict[str, ClassInfo] = {}
        for row in read.select("classes"):
            info = classes.setdefault(row["class"].value, ClassInfo(row["class"].value, row["label"].value,
                                                                    row["definition"].value if "definition" in row else ""))
            if "parent" in row and row["parent"].value not in info.parents:
                info.parents.append(row["parent"].value)
        for iri, members in read.service().store.report["counts"]["members"].items():
            if iri in classes:
                classes[iri].members = members
        for info in classes.values():
            info.parents = [p for p in info.parents if p in classes]
            for parent in info.parents:
                classes[parent].children.append(info.iri)
        for info in classes.values():
            info.children.sort(key=lambda c: classes[c].label.lower())
        return classes

    def roots(self) -> list[str]:
        return sorted((c for c, info in self.classes.items() if not info.parents), key=lambda c: self.classes[c].label.lower())

    def ancestry(self, cls: str) -> list[str]:
        """The chain from the top class down to `cls`, following the first-named parent at each step."""
        chain, seen = [cls], {cls}
        while (parents := self.classes.get(chain[0], ClassInfo("", "")).parents):
            parent = sorted(parents, key=lambda p: self.classes[p].label.lower())[0]
            if parent in seen:
                break
            chain.insert(0, parent)
            seen.add(parent)
        return chain

    # --- sources ---------------------------------------------------------------------------------
    def _sources(self) -> tuple[dict[str, Document], dict[str, Badge]]:
        documents: dict[str, Document] = {}
        sections: dict[str, Section] = {}
        for row in read.select("sources"):
            doc = documents.setdefault(row["document"].value, Document(row["document"].value, row["identifier"].value,
                                                                       row["title"].value))
            if "section" not in row:
                continue
            section = sections.get(row["section"].value)
            if section is None:
                section = sections[row["section"].value] = Section(
                    row["section"].value, row["heading"].value, row["sectionLabel"].value, int(row["order"].value),
                    int(row["level"].value) if "level" in row else 2)
                doc.sections.append(section)
            if "graph" in row:
                section.graphs.append(row["graph"].value)
        for row in read.select("document-graphs"):
            documents[row["document"].value].graphs.append(row["graph"].value)
        badges: dict[str, Badge] = {}
        for doc in documents.values():
            for graph in doc.graphs:
                badges[graph] = Badge(graph, doc.number, f"{doc.title} (document {doc.number})", doc.iri, "source")
            for section in doc.sections:
                for graph in section.graphs:
                    badges[graph] = Badge(graph, f"{doc.number} §{section.order}",
                                          f"{doc.title} (document {doc.number}), section “{section.heading}”",
                                          section.iri, "source")
        ours = {str(ONTOLOGY_IRI): ("ontology", "the virtkg ontology", "ontology"),
                str(VOCABULARY_GRAPH): ("vocabulary", "virtkg's controlled vocabulary", "ontology"),
                str(PROVENANCE_GRAPH): ("provenance", "virtkg's record of which graph came from which section", "provenance"),
                str(INFERRED_GRAPH): ("inferred", "added by reasoning over the stated facts", "inferred"),
                str(MAPPINGS_GRAPH): ("mappings", "virtkg's mappings to other vocabularies (ontology/mappings.sssom.tsv)",
                                      "ontology")}
        for graph, (text, title, kind) in ours.items():
            badges[graph] = Badge(graph, text, title, graph, kind)
        return documents, badges

    def badge(self, graph: str) -> Badge:
        return self.badges.get(graph) or Badge(graph, urls.path_of(graph) if urls.is_ours(graph) else graph, graph, graph, "graph")

    def section_badge(self, section: str) -> Badge:
        """The badge of a section (or document) cited by IRI, as claims cite theirs."""
        found = self.section(section)
        if found is not None and found[1].graphs:
            return self.badge(found[1].graphs[0])
        doc = self.documents.get(section)
        return self.badge(doc.graphs[0]) if doc and doc.graphs else Badge(section, curie(section), section, section, "source")

    def section_badges(self, sections: list[str]) -> list[Badge]:
        return [self.section_badge(s) for s in sections]

    def section(self, iri: str) -> tuple[Document, Section] | None:
        return self.sections.get(iri)

    # --- names -----------------------------------------------------------------------------------
    def _names(self) -> dict[str, Name]:
        """The names of what our own graphs label (the documents', the ontology's, the vocabulary's and the
        rest of ours), read from the build's quad index graph by graph: a user's inventory loaded beside
        them, however large, is neither scanned nor held here (its IRIs are theirs, not pages of ours)."""
        ours = [*self.badges]  # every document and section graph, and ours (ontology, vocabulary, ...)
        store, found = read.service().store.store, {}
        for prop in (LABEL, ALT_LABEL, DEFINITION):
            for graph in ours:
                for q in store.quads_for_pattern(None, prop, None, ox.NamedNode(graph)):
                    if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(urls.PUBLIC_BASE):
                        found.setdefault((q.subject.value, prop), set()).add(q.object.value)
        names: dict[str, Name] = {}
        for (iri, prop), values in sorted(found.items(), key=lambda kv: kv[0][1] != LABEL):  # labels first
            if prop == LABEL:
                names[iri] = Name(iri, min(values))
            if (entry := names.get(iri)) is None:
                continue
            if prop == DEFINITION:
                entry.definition = min(values)
                continue
            for value in sorted(values):
                entry.names.setdefault(norm(value), ("label" if prop == LABEL else "alt", value))
                if prop == ALT_LABEL:
                    entry.shown.append(value)
        for entry in names.values():
            entry.shown.sort(key=str.lower)  # the same page whichever store answered, in whatever order
        return names

    def label(self, iri: str) -> str | None:
        entry = self.names.get(iri)
        return entry.label if entry else None

    def nearest(self, iri: str, n: int = 6) -> list[str]:
        """Our IRIs whose path is closest to `iri`'s, for a 404 page."""
        area = iri.rsplit("/", 1)[0] + "/"
        local = iri.rsplit("/", 1)[-1]
        same_area = {i.rsplit("/", 1)[-1]: i for i in self.names if i.startswith(area)}
        by_local = difflib.get_close_matches(local, list(same_area), n=n, cutoff=0.5)
        by_label = difflib.get_close_matches(norm(local), [norm(e.label) for e in self.names.values()], n=n, cutoff=0.6)
        labelled = [i for i, e in self.names.items() if norm(e.label) in by_label]
        return list(dict.fromkeys([same_area[x] for x in by_local] + labelled))[:n]


@lru_cache(maxsize=2)
def _site(build_id: str) -> Site:
    return Site()


def current() -> Site:
    """The Site of the build being served now (made on first use after each switch)."""
    return _site(read.service().build_id)
