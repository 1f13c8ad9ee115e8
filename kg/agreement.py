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
    unscaled: list[dict]       # claims with no rating or interval, so in no dispute

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

    @property
    def disputed(self) -> bool:
        return any(s.disputed for s in self.standings)

    def summary(self) -> str:
        return f"{self.label}: " + "; ".join(s.describe() for s in self.standings)


def reading(claim: dict) -> str:
    """How a claim is compared: its rating, or its value where an interval is compared."""
    return claim.get("rating") or claim["value"]


def _scale(claim: dict) -> str | None:
    if claim.get("rating"):
        return "rating"
    return f"unit:{claim['boundUnit']}" if claim.get("boundUnit") else None


def _sides(claims: list[dict]) -> list[Side]:
    """Connected groups of claims on one scale that are not rivals; the sides of any dispute first."""
    parent = {c["claim"]: c["claim"] for c in claims}

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, a in enumerate(claims):
        for b in claims[i + 1:]:
            if _scale(a) == _scale(b) and b["claim"] not in a["rivals"] and a["claim"] not in b["rivals"]:
                parent[root(a["claim"])] = root(b["claim"])
    groups: dict[str, Side] = {}
    for c in claims:
        groups.setdefault(root(c["claim"]), Side()).claims.append(c)
    sides = list(groups.values())
    disputed = [s for s in sides if any(c["rivals"] for c in s.claims)]
    if not disputed:  # every scale agrees: one agreement, whatever the scales
        return [Side([c for s in sides for c in s.claims])] if sides else []
    return sorted(disputed, key=lambda s: (s.documents, s.readings))


def group(rows: list[dict]) -> list[Dimension]:
    """`rows` as compare.rq or claims.rq give them, each a dict of plain strings (absent = None or
    missing); dimensions in label order, technologies in label order within each."""
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
            unique = list({c["claim"]: c for c in claims}.values())
            scaled = [c for c in unique if _scale(c)]
            standings.append(Standing(t, labels[t], _sides(scaled), [c for c in unique if not _scale(c)]))
        standings.sort(key=lambda s: s.label.lower())
        dimensions.append(Dimension(d, labels[d], standings))
    return sorted(dimensions, key=lambda d: d.label.lower())


def side_of(dimension: Dimension, claim: str) -> str:
    """'agreed', or the letter of the side a claim takes in its technology's dispute ('A', 'B', ...)."""
    for standing in dimension.standings:
        for i, side in enumerate(standing.sides):
            if any(c["claim"] == claim for c in side.claims):
                return chr(ord("A") + i) if standing.disputed else "agreed"
    return "agreed"
