"""Grouping claims into agreement and disputes (kg.agreement) and counting advice once per document
(kg.advice), on rows shaped as compare.rq and advise.rq give them."""

from kg import advice, agreement

R = "https://w3id.org/virtkg/resource/"


def claim(name, technology, document, value, rivals="", rating=None, unit=None, dimension="startup-time"):
    row = {"claim": R + name, "dimension": R + dimension, "dimensionLabel": dimension.replace("-", " "),
           "technology": R + technology, "technologyLabel": technology.replace("-", " "), "value": value,
           "document": document + "_0123456789abcdef", "rivals": " ".join(R + r for r in rivals.split())}
    if rating:
        row["rating"] = rating
    if unit:
        row["boundUnit"] = unit
    return row


def test_rivals_split_a_technology_into_sides_each_with_its_documents():
    rows = [claim("ms-000", "containers", "000", "milliseconds", "s-002 s-003", unit="second"),
            claim("ms-001", "containers", "001", "milliseconds", "s-002 s-003", unit="second"),
            claim("s-002", "containers", "002", "seconds", "ms-000 ms-001", unit="second"),
            claim("s-003", "containers", "003", "seconds", "ms-000 ms-001", unit="second"),
            claim("fast", "containers", "001", "quick to spin up")]
    [dimension] = agreement.group(rows)
    [standing] = dimension.standings
    assert standing.disputed and dimension.disputed
    assert [(s.readings, s.documents) for s in standing.sides] == [(["milliseconds"], ["000", "001"]),
                                                                    (["seconds"], ["002", "003"])]
    assert [c["value"] for c in standing.unscaled] == ["quick to spin up"]
    assert dimension.summary() == ("startup time: containers in dispute: milliseconds (000, 001) vs seconds (002, 003)")
    assert agreement.side_of(dimension, R + "s-003") == "B"


def test_paraphrases_with_one_rating_agree_and_the_summary_names_every_document():
    rows = [claim("a", "virtual-machines", "000", "more secure", rating="high", dimension="security"),
            claim("b", "virtual-machines", "002", "strong, hardware-level", rating="high", dimension="security"),
            claim("c", "virtual-machines", "004", "no obvious winner", dimension="security")]
    [dimension] = agreement.group(rows)
    assert not dimension.disputed
    assert dimension.summary() == "security: virtual machines agreed: high (000, 002, 004)"
    assert agreement.side_of(dimension, R + "a") == "agreed"


def test_claims_on_different_scales_never_join_one_side():
    """A percentage and an interval in seconds are not rivals, yet must not bridge two sides of a dispute."""
    rows = [claim("ms", "containers", "000", "milliseconds", "s", unit="second"),
            claim("s", "containers", "002", "seconds", "ms", unit="second"),
            claim("pct", "containers", "002", "+95-99%", unit="percent")]
    [dimension] = agreement.group(rows)
    assert [s.readings for s in dimension.standings[0].sides] == [["milliseconds"], ["seconds"]]


def reason(need, technology, stance, document, section):
    return {"need": R + need, "needLabel": need, "technology": R + technology, "stance": stance,
            "document": document + "_0123456789abcdef", "source": f"https://w3id.org/virtkg/source/{document}/{section}"}


def test_a_document_votes_once_per_need_however_many_sections_speak():
    rows = [reason("legacy", "containers", "against", "002", s) for s in ("a", "b", "c")]
    rows += [reason("legacy", "containers", "for", "001", "x"), reason("legacy", "containers", "for", "003", "y")]
    option = next(o for o in advice.rank(rows) if o.technology == R + "containers")
    need = option.needs[R + "legacy"]
    assert need.balance == 1 and need.vote == 1 and option.score == 1  # two documents for, one against
    against = [r for r in option.reasons if r.stance == "against"]
    assert len(against) == 1 and len(against[0].sources) == 3
    assert need.disputed and option.as_dict(str)["disputed"] == [{"need": "legacy", "for": ["001", "003"], "against": ["002"]}]


def test_a_document_on_both_sides_of_a_need_casts_no_vote():
    rows = [reason("scaling", "virtual-machines", "for", "001", "a"), reason("scaling", "virtual-machines", "against", "001", "b")]
    option = next(o for o in advice.rank(rows) if o.technology == R + "virtual-machines")
    assert option.score == 0 and option.balance == 0


def test_a_reason_said_of_a_product_counts_for_the_approach_it_implements():
    rows = [dict(reason("untrusted", "vm-isolated-containers", "for", "003", "kata"), viaLabel="Kata Containers",
                 examples="Kata Containers")]
    best = advice.rank(rows)[0]
    assert best.technology == R + "vm-isolated-containers" and best.examples == ["Kata Containers"]
    assert best.reasons[0].via == ["Kata Containers"]


def test_the_summary_is_the_same_whatever_order_the_store_gives_the_rows():
    """Regression: a concept page served from Virtuoso read "seconds / 1-5 seconds" where the embedded
    store's read "1-5 seconds / seconds": a side's readings followed the rows' order, which engines set
    differently for ties."""
    import itertools
    rows = [claim("ms-000", "containers", "000", "milliseconds", "s-002 s-003", unit="second"),
            claim("s-002", "containers", "002", "seconds", "ms-000", unit="second"),
            claim("s-003", "containers", "002", "1-5 seconds", "ms-000", unit="second"),
            claim("fast", "containers", "001", "quick", rating="high")]
    said = {agreement.group(list(order))[0].summary() for order in itertools.permutations(rows)}
    assert said == {"startup time: containers in dispute: milliseconds (000) vs 1-5 seconds / seconds (002)"}
