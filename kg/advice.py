"""Rank virtual machines, containers and their two hybrids for a set of needs, by the reasons the
sources give.

Evidence counts once per document: a document that says in three sections that a need favours an
option casts one vote for it, as does a document that says it once. A document that says both casts
none. Each need then gives an option one vote, +1 or -1, by the balance of its documents, so a need
many documents repeat does not outweigh one few mention. Where documents take opposite sides on a
need, the need is marked disputed and both sides are shown, not settled silently. No source speaking
about an option is shown as such, not guessed at."""

from dataclasses import dataclass, field

OPTIONS = {
    "https://w3id.org/virtkg/resource/virtual-machines": "virtual machines",
    "https://w3id.org/virtkg/resource/containers": "containers",
    "https://w3id.org/virtkg/resource/vm-isolated-containers": "VM-isolated containers",
    "https://w3id.org/virtkg/resource/containers-in-vms": "containers in virtual machines",
}


@dataclass
class Reason:
    """What one document says about one need for one option: for or against, in which sections."""
    need: str
    need_label: str
    stance: str      # "for" or "against"
    document: str    # "003"
    sources: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)   # a product that implements the option, if said of it

    @property
    def vote(self) -> int:
        return 1 if self.stance == "for" else -1

    @property
    def source(self) -> str:
        return self.sources[0]


@dataclass
class Need:
    """One need's verdict on one option: the documents on each side and the vote they give."""
    need: str
    label: str
    reasons: list[Reason] = field(default_factory=list)

    def documents(self, stance: str) -> set[str]:
        return {r.document for r in self.reasons if r.stance == stance}

    @property
    def balance(self) -> int:
        """Documents for minus documents against; a document on both sides counts for neither."""
        pro, con = self.documents("for"), self.documents("against")
        return len(pro - con) - len(con - pro)

    @property
    def vote(self) -> int:
        return (self.balance > 0) - (self.balance < 0)

    @property
    def disputed(self) -> bool:
        return bool(self.documents("for") and self.documents("against"))


@dataclass
class Option:
    technology: str
    label: str
    needs: dict[str, Need] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)

    @property
    def reasons(self) -> list[Reason]:
        return [r for n in self.needs.values() for r in n.reasons]

    @property
    def score(self) -> int:
        return sum(n.vote for n in self.needs.values())

    @property
    def balance(self) -> int:
        return sum(n.balance for n in self.needs.values())

    @property
    def disputed(self) -> list[Need]:
        return [n for n in self.needs.values() if n.disputed]

    def as_dict(self, shorten) -> dict:
        def reason(r: Reason) -> dict:
            return {"need": r.need_label, "document": r.document, "sources": [shorten(s) for s in r.sources],
                    "source": shorten(r.source), **({"via": r.via} if r.via else {})}
        return {"technology": shorten(self.technology), "label": self.label, "score": self.score,
                "examples": self.examples,
                "for": [reason(r) for r in self.reasons if r.stance == "for"],
                "against": [reason(r) for r in self.reasons if r.stance == "against"],
                "disputed": [{"need": n.label, "for": sorted(n.documents("for")),
                              "against": sorted(n.documents("against"))} for n in self.disputed]}


def rank(rows: list[dict[str, str]]) -> list[Option]:
    """`rows` as advise.rq gives them (need, needLabel, technology, stance, document, source, and
    optionally viaLabel and examples); best option first."""
    options = {iri: Option(iri, label) for iri, label in OPTIONS.items()}
    for row in rows:
        option = options[row["technology"]]
        for example in filter(None, (row.get("examples") or "").split(", ")):
            if example not in option.examples:
                option.examples.append(example)
        need = option.needs.setdefault(row["need"], Need(row["need"], row["needLabel"]))
        document = row["document"].split("_")[0]
        reason = next((r for r in need.reasons if r.document == document and r.stance == row["stance"]), None)
        if reason is None:
            reason = Reason(row["need"], row["needLabel"], row["stance"], document)
            need.reasons.append(reason)
        if row["source"] not in reason.sources:
            reason.sources.append(row["source"])
        if row.get("viaLabel") and row["viaLabel"] not in reason.via:
            reason.via.append(row["viaLabel"])
    for option in options.values():
        option.examples.sort()
        for need in option.needs.values():
            need.reasons.sort(key=lambda r: (r.stance != "for", r.document))
            for r in need.reasons:
                r.sources.sort()
    return sorted(options.values(), key=lambda o: (-o.score, -o.balance, o.label))
