"""The ontology quality gates: the real ontology passes every check, every check can fail, and near misses
(the shapes a check must tell apart from its pitfall) pass."""

from pathlib import Path

import pytest
import rdflib

from kg import quality

ONTOLOGY = Path(__file__).parents[1] / "ontology" / "virtkg.ttl"

HEADER = """
@prefix : <https://example.org/o/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix vann: <http://purl.org/vocab/vann/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://example.org/o> a owl:Ontology ; dcterms:title "t" ; dcterms:description "d" ; dcterms:license <https://x/l> ;
  dcterms:creator "c" ; owl:versionIRI <https://example.org/o/1> ; owl:versionInfo "1" ;
  vann:preferredNamespacePrefix "o" ; vann:preferredNamespaceUri "https://example.org/o/" .
:A a owl:Class ; rdfs:label "a" ; skos:definition "d" .
:B a owl:Class ; rdfs:subClassOf :A ; rdfs:label "b" ; skos:definition "d" .
:p a owl:ObjectProperty ; rdfs:domain :A ; rdfs:range :B ; rdfs:label "p" ; skos:definition "d" .
"""


def prop(name: str, domain: str, range_: str, extra: str = "") -> str:
    """A fully annotated object property, so a case breaks only what it means to."""
    return f':{name} a owl:ObjectProperty ; rdfs:domain :{domain} ; rdfs:range :{range_} ; {extra} ' \
           f'rdfs:label "{name}" ; skos:definition "d" .'


def cls(name: str, extra: str = "rdfs:subClassOf :A ;", label: str | None = None) -> str:
    """A fully annotated, connected class."""
    return f':{name} a owl:Class ; {extra} rdfs:label "{label or name}" ; skos:definition "d" .'


def without(statement: str) -> str:
    """The clean sample with one statement of the ontology header removed."""
    return HEADER.replace(f" ; {statement}", "").replace(f"{statement} ; ", "")


BROKEN = [  # (code, a T-box with that pitfall); header gaps also trip their FOOPS! twin
    ("P04", HEADER + ':C a owl:Class ; rdfs:label "c" ; skos:definition "d" .'),
    ("P06", HEADER + ":A rdfs:subClassOf :B ."),
    ("P06", HEADER + ":A rdfs:subClassOf :A ."),
    ("P06", HEADER + cls("C", "owl:equivalentClass :B ;") + " :A rdfs:subClassOf :C ."),
    ("P08", HEADER + ":C a owl:Class ; rdfs:subClassOf :A ."),
    ("P08", HEADER + ':q a owl:ObjectProperty ; rdfs:domain :A ; rdfs:range :A ; rdfs:label "q" .'),
    ("P11", HEADER + ':q a owl:ObjectProperty ; rdfs:domain :A ; rdfs:label "q" ; skos:definition "d" .'),
    ("P13", HEADER + prop("hasPart", "A", "B") + prop("partOf", "B", "A")),
    ("P13", HEADER + prop("isolatedBy", "A", "B") + prop("isolates", "B", "A")),
    ("P19", HEADER + ":p rdfs:range :A ."),
    ("P22", HEADER + cls("lowercase_class")),
    ("P22", HEADER + prop("Upper", "A", "B")),
    ("P24", HEADER + ":B owl:equivalentClass [ a owl:Restriction ; owl:onProperty :p ; owl:someValuesFrom :B ] ."),
    ("P24", HEADER + cls("C", "owl:equivalentClass [ owl:unionOf ( :A :C ) ] ;")),
    ("P25", HEADER + ":p owl:inverseOf :p ."),
    ("P26", HEADER + ":p a owl:SymmetricProperty . " + prop("r", "B", "A", "owl:inverseOf :p ;")),
    ("P32", HEADER + cls("C", label="a")),
    ("P34", HEADER + cls("C", "rdfs:subClassOf :Undeclared ;")),
    ("P34", HEADER + ":B a :Undeclared ."),
    ("P35", HEADER + prop("s", "A", "A", "rdfs:subPropertyOf :undeclared ;")),
    ("P35", HEADER + ":B rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :undeclared ; owl:someValuesFrom :A ] ."),
    ("P36", HEADER + cls("C.owl")),
    ("P36", HEADER.replace("<https://example.org/o>", "<https://example.org/o.owl>")),
    ("P38", HEADER.replace("a owl:Ontology ;", "")),
    ("P39", without('vann:preferredNamespaceUri "https://example.org/o/"')),
    ("P39", HEADER.replace("<https://example.org/o> a owl:Ontology", "[] a owl:Ontology")),
    ("P39", HEADER.replace('"https://example.org/o/" .', '"https://example.org/other/" .')),
    ("P39", HEADER + '<https://example.org/elsewhere/C> a owl:Class ; rdfs:subClassOf :A ; rdfs:label "c" .'),
    ("P41", without("dcterms:license <https://x/l>")),
    ("FOOPS-title", without('dcterms:title "t"')),
    ("FOOPS-description", without('dcterms:description "d"')),
    ("FOOPS-license", without("dcterms:license <https://x/l>")),
    ("FOOPS-creator", without('dcterms:creator "c"')),
    ("FOOPS-version-iri", without("owl:versionIRI <https://example.org/o/1>")),
    ("FOOPS-version-info", without('owl:versionInfo "1"')),
    ("FOOPS-prefix", without('vann:preferredNamespacePrefix "o"')),
    ("FOOPS-namespace", without('vann:preferredNamespaceUri "https://example.org/o/"')),
]

NEAR_MISSES = {  # T-boxes with shapes that resemble a pitfall but are fine
    "equivalence is not a cycle": HEADER + cls("C", "owl:equivalentClass :B ;"),
    "a declared inverse": HEADER + prop("hasPart", "A", "B", "owl:inverseOf :partOf ;") + prop("partOf", "B", "A"),
    "swapped domain and range, unrelated names": HEADER + prop("owns", "A", "B") + prop("likes", "B", "A"),
    "a restriction on another class":
        HEADER + ":B rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :p ; owl:someValuesFrom :A ] .",
    "built-in classes and datatypes": HEADER + cls("C", "rdfs:subClassOf owl:Thing ;")
        + ' :v a owl:DatatypeProperty ; rdfs:domain :A ; rdfs:range xsd:string ;'
        + ' rdfs:label "v" ; skos:definition "d" .',
    "reused terms declared bare":
        HEADER + "dcterms:title a owl:AnnotationProperty . <http://www.w3.org/ns/prov#Entity> a owl:Class .",
    "a symmetric property without inverse": HEADER + ":p a owl:SymmetricProperty .",
    "a hash namespace": HEADER.replace("o/", "o#"),
}


def findings(turtle: str) -> list[quality.Finding]:
    return quality.check_ontology(rdflib.Graph().parse(data=turtle, format="turtle"))


def test_every_check_has_a_failing_case():
    assert [code for code, _, _ in quality.CHECKS] == list(dict.fromkeys(code for code, _ in BROKEN))


def test_the_clean_sample_passes():
    assert findings(HEADER) == []


@pytest.mark.parametrize("code, turtle", BROKEN, ids=[f"{code}-{i}" for i, (code, _) in enumerate(BROKEN)])
def test_each_pitfall_is_found(code, turtle):
    found = [f for f in findings(turtle) if f.code == code]
    assert found, f"{code} not found"
    assert all(f.message and "\n" not in f.message for f in found)


@pytest.mark.parametrize("turtle", NEAR_MISSES.values(), ids=NEAR_MISSES)
def test_near_misses_pass(turtle):
    assert findings(turtle) == []


def test_the_virtkg_ontology_has_no_findings():
    ontology = rdflib.Graph().parse(ONTOLOGY, format="turtle")
    assert quality.check_ontology(ontology) == []


def test_report_lists_every_check_as_ok_on_a_clean_ontology():
    report = quality.render_report(findings(HEADER))
    for code, title, description in quality.CHECKS:
        assert f"{code}  {title}: ok" in report and description in report
    assert report.splitlines()[-1] == f"Total: {len(quality.CHECKS)} checks, {len(quality.CHECKS)} ok, 0 findings"


def test_report_shows_findings_under_their_check():
    report = quality.render_report(findings(HEADER + ":p rdfs:range :A ."))
    assert "P19  Multiple domains or ranges: 1 finding\n" in report
    assert "- https://example.org/o/p: has several ranges" in report
    assert report.splitlines()[-1] == f"Total: {len(quality.CHECKS)} checks, {len(quality.CHECKS) - 1} ok, 1 finding"
