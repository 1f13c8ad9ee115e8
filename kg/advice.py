"""Rank virtual machines, containers and their two hybrids for a set of needs, by the reasons the
sources give. A reason is one section saying that a need favours or disfavours an option. Each need
gives an option one vote, +1 or -1, by the balance of its reasons, so a need many documents repeat
does not outweigh one few mention. No source speaking about an option is shown as such, not guessed at."""

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

    @property
    def vote(self) -> int:
        return 1 if self.stance == "for" else -1


@dataclass
class Option:
    technology: str
    label: str
    reasons: list[Reason] = field(default_factory=list)

    @property
    def balance(self) -> int:
        return sum(r.vote for r in self.reasons)

    @property
    def score(self) -> int:
        """One vote per need, by the sign of that need's reasons."""
        by_need: dict[str, int] = {}
        for r in self.reasons:
            by_need[r.need] = by_need.get(r.need, 0) + r.vote
        return sum((v > 0) - (v < 0) for v in by_need.values())

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
    return sorted(options.values(), key=lambda o: (-o.score, -o.balance, o.label))
