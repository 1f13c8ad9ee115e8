"""Rank virtual machines, containers and their two hybrids for a set of needs, by the reasons the
sources give. A reason is one section saying that a need favours or disfavours an option; each counts
once, for (+1) or against (-1). No source speaking about an option is shown as such, not guessed at."""

from dataclasses import dataclass, field

OPTIONS = {
    "https://w3id.org/virtkg/resource/virtual-machines": "virtual machines",
    "https://w3id.org/virtkg/resource/containers": "containers",
    "https://w3id.org/virtkg/resource/vm-isolated-containers": "VM-isolated containers",
    "https://w3id.org/virtkg/resource/containers-in-vms": "containers in virtual machines",
}


@dataclass(frozen=True)
class Reason:
    need: str
    need_label: str
    stance: str      # "for" or "against"
    source: str


@dataclass
class Option:
    technology: str
    label: str
    reasons: list[Reason] = field(default_factory=list)

    @property
    def score(self) -> int:
        return sum(1 if r.stance == "for" else -1 for r in self.reasons)

    def as_dict(self, shorten) -> dict:
        return {"technology": shorten(self.technology), "label": self.label, "score": self.score,
                "for": [{"need": r.need_label, "source": shorten(r.source)} for r in self.reasons if r.stance == "for"],
                "against": [{"need": r.need_label, "source": shorten(r.source)} for r in self.reasons if r.stance == "against"]}


def rank(rows: list[dict[str, str]]) -> list[Option]:
    """`rows` as advise.rq gives them (need, needLabel, technology, stance, source); best option first."""
    options = {iri: Option(iri, label) for iri, label in OPTIONS.items()}
    for row in rows:
        reason = Reason(row["need"], row["needLabel"], row["stance"], row["source"])
        option = options[row["technology"]]
        if reason not in option.reasons:
            option.reasons.append(reason)
    return sorted(options.values(), key=lambda o: (-o.score, -len(o.reasons), o.label))
