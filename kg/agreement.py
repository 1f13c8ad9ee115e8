"""Group the claims of a comparison into agreement and disputes, so a reader sees per dimension
whether the sources agree before reading any row.

Which claims dispute which is decided once, in the graph (`kg/inference/claim-disputes.rq`, as the
`rivals` column of compare.rq); this module only sorts the claims of one technology on one dimension
into sides: claims on one scale (a rating, or intervals in one unit) that are not rivals of each other
stand together. Claims with no comparable value side with no one and never make a dispute.
"""

from dataclasses import dataclass, field


@dataclass
class Side:
    """Claims that do not dispute each other: the whole agreement, or one side of a dispute."""
    claims: list[dict] = field(default_factory=list)

    @property
    def documents(self) -> list[str]:
        return sorted({c["document"] for c in self.claims})

    @property
    def readings(self) -> list[str]:
        return list(dict.fromkeys(reading(c) for c in self.claims))

    def describe(self) -> str:
        return f"{' / '.join(self.readings)} ({', '.join(self.documents)})"


@dataclass
class Standing:
    """What the sources say about one technology on one dimension."""
    technology: str
    label: str
    sides: list[Side]          # one side: agreement; several: a dispute
    claims: list[dict]         # every claim, sided or not

    @property
    def unscaled(self) -> list[dict]:
        """Claims with no rating or interval, so in no dispute."""
        return [c for c in self.claims if not _scale(c)]

    @property
    def disputed(self) -> bool:
        return len(self.sides) > 1

    def describe(self) -> str:
        if self.disputed:
            return f"{self.label} in dispute: " + " vs ".join(s.describe() for s in self.sides)
        documents = sorted({c["document"] for s in self.sides for c in s.claims} | {c["document"] for c in self.unscaled})
        said = self.sides[0].readings if self.sides else list(dict.fromkeys(c["value"] for c in self.unscaled))[:3]
        return f"{self.label} agreed: {' / '.join(said)} ({', '.join(documents)})"


@dataclass
class Dimension:
    iri: str
    label: str
    standings: list[Standing]
    rows: list[dict]           # every row of the dimension (a claim once per section), as grouped

    @property
    def disputed(self) -> bool:
        return any(s.disputed for s in self.standings)

    def summary(self) -> str:
        return f"{self.label}: " + "; ".join(s.describe() for s in self.standings)


def reading(claim: dict) -> str:
    """How a claim is compared: its words where an interval is compared, else its rating; with the
    condition it is limited to, since claims under different conditions never dispute."""
    said = claim["value"] if claim.get("boundUnit") or not claim.get("rating") else claim["rating"]
    return f"{said} (when {claim['condition']})" if claim.get("condition") else said


def _scale(claim: dict) -> str | None:
    """The scale a claim is compared on: an interval's unit where it has one (the finer reading), else
    the rating scale; None where it has neither."""
    if claim.get("boundUnit"):
        return f"unit:{claim['boundUnit']}"
    return "rating" if claim.get("rating") else None


def _sides(claims: list[dict]) -> list[Side]:
    """One side (the agreement) where no claim has a rival; otherwise the sides of the dispute:
    connected groups of disputing claims on one scale that are not rivals of each other. A claim that
    disputes nothing (a moderate rating between low and high) takes no side."""
    disputants = [c for c in claims if c["rivals"]]
    if not disputants:
        return [Side(list(claims))] if claims else []
    parent = {c["claim"]: c["claim"] for c in disputants}

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, a in enumerate(disputants):
        for b in disputants[i + 1:]:
            if _scale(a) == _scale(b) and b["claim"] not in a["rivals"] and a["claim"] not in b["rivals"]:
                parent[root(a["claim"])] = root(b["claim"])
    groups: dict[str, Side] = {}
    for c in disputants:
        groups.setdefault(root(c["claim"]), Side()).claims.append(c)
    return sorted(groups.values(), key=lambda s: (s.documents, s.readings))


def group(rows: list[dict]) -> list[Dimension]:
    """`rows` as compare.rq or claims.rq give them, each a dict of plain strings (absent = None or
    missing); dimensions in label order, technologies in label order within each. Each row is kept,
    copied, on its dimension with `rivals` as a set and `document` as the short number."""
    by_dimension: dict[str, dict[str, list[dict]]] = {}
    labels: dict[str, str] = {}
    for row in rows:
        claim = dict(row)
        claim["rivals"] = set((row.get("rivals") or "").split())
        claim["document"] = row["document"].split("_")[0]  # 001, not the seed's whole stem
        labels[row["dimension"]] = row["dimensionLabel"]
        labels[row["technology"]] = row["technologyLabel"]
        by_dimension.setdefault(row["dimension"], {}).setdefault(row["technology"], []).append(claim)
    dimensions = []
    for d, technologies in by_dimension.items():
        standings = []
        for t, claims in technologies.items():
            # One order whichever store answered: engines order ties and collate text differently.
            unique = sorted({c["claim"]: c for c in claims}.values(), key=lambda c: (c["document"], c["value"], c["claim"]))
            scaled = [c for c in unique if _scale(c)]
            standings.append(Standing(t, labels[t], _sides(scaled), unique))
        standings.sort(key=lambda s: s.label.lower())
        dimensions.append(Dimension(d, labels[d], standings, [c for claims in technologies.values() for c in claims]))
    return sorted(dimensions, key=lambda d: d.label.lower())


def side_of(dimension: Dimension, claim: str) -> str:
    """'agreed'; or, in a dispute, the letter of the side a claim takes ('A', 'B', ...) or 'neither'."""
    for standing in dimension.standings:
        if any(c["claim"] == claim for c in standing.claims):
            if not standing.disputed:
                return "agreed"
            return next((chr(ord("A") + i) for i, side in enumerate(standing.sides)
                         if any(c["claim"] == claim for c in side.claims)), "neither")
    return "agreed"
