"""The ontology quality gates: the real ontology passes every check, and every check can fail."""

import pytest
import rdflib

from conftest import ROOT
from kg import quality

HEADER = """
@prefix : <https://example.org/o/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dcterms: <http://purl.org/dc/terms/> . @prefix vann: <http://purl.org/vocab/vann/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
<https://example.org/o> a owl:Ontology ; dcterms:title "t" ; dcterms:description "d" ; dcterms:license <https://x/l> ;
  dcterms:creator "c" ; owl:versionIRI <https://example.org/o/1> ; owl:versionInfo "1" ;
  vann:preferredNamespacePrefix "o" ; vann:preferredNamespaceUri "https://example.org/o/" .
:A a owl:Class ; rdfs:label "a" ; skos:definition "d" .
:B a owl:Class ; rdfs:subClassOf :A ; rdfs:label "b" ; skos:definition "d" .
:p a owl:ObjectProperty ; rdfs:domain :A ; rdfs:range :B ; rdfs:label "p" ; skos:definition "d" .
"""

BROKEN = {
    "P04": ":C a owl:Class ; rdfs:label \"c\" ; skos:definition \"d\" .",
    "P06": ":A rdfs:subClassOf :B .",
    "P08": ":C a owl:Class ; rdfs:subClassOf :A .",
    "P11": ":q a owl:ObjectProperty ; rdfs:domain :A ; rdfs:label \"q\" ; skos:definition \"d\" .",
    "P13": (":hasPart a owl:ObjectProperty ; rdfs:domain :A ; rdfs:range :B ; rdfs:label \"x\" ; skos:definition \"d\" . "
            ":partOf a owl:ObjectProperty ; rdfs:domain :B ; rdfs:range :A ; rdfs:label \"y\" ; skos:definition \"d\" ."),
    "P19": ":p rdfs:range :A .",
    "P22": ":lowercase_class a owl:Class ; rdfs:subClassOf :A ; rdfs:label \"l\" ; skos:definition \"d\" .",
    "P24": ":B owl:equivalentClass [ a owl:Restriction ; owl:onProperty :p ; owl:someValuesFrom :B ] .",
    "P25": ":p owl:inverseOf :p .",
    "P26": ":p a owl:SymmetricProperty . :r a owl:ObjectProperty ; owl:inverseOf :p ; rdfs:domain :B ; rdfs:range :A .",
    "P32": ":C a owl:Class ; rdfs:subClassOf :A ; rdfs:label \"a\" ; skos:definition \"d\" .",
    "P34": ":C a owl:Class ; rdfs:subClassOf :Undeclared ; rdfs:label \"c\" ; skos:definition \"d\" .",
    "P35": ":s a owl:ObjectProperty ; rdfs:subPropertyOf :undeclared ; rdfs:domain :A ; rdfs:range :A ; rdfs:label \"s\" ; skos:definition \"d\" .",
    "P36": ":C.owl a owl:Class ; rdfs:subClassOf :A ; rdfs:label \"c\" ; skos:definition \"d\" .",
}
REMOVED = {  # checks that fail when the header loses a statement
    "P38": "a owl:Ontology",
    "P39": 'vann:preferredNamespaceUri "https://example.org/o/"',
    "P41": "dcterms:license <https://x/l>",
    "FOOPS-title": 'dcterms:title "t"', "FOOPS-description": 'dcterms:description "d"',
    "FOOPS-license": "dcterms:license <https://x/l>", "FOOPS-creator": 'dcterms:creator "c"',
    "FOOPS-version-iri": "owl:versionIRI <https://example.org/o/1>", "FOOPS-version-info": 'owl:versionInfo "1"',
    "FOOPS-prefix": 'vann:preferredNamespacePrefix "o"', "FOOPS-namespace": 'vann:preferredNamespaceUri "https://example.org/o/"',
}


def codes(turtle: str) -> set[str]:
    return {f.code for f in quality.check_ontology(rdflib.Graph().parse(data=turtle, format="turtle"))}


def test_every_check_has_a_failing_case():
    assert {code for code, _, _ in quality.CHECKS} == set(BROKEN) | set(REMOVED)


def test_the_clean_sample_passes():
    assert codes(HEADER) == set()


@pytest.mark.parametrize("code", sorted(BROKEN))
def test_each_pitfall_is_found(code):
    assert code in codes(HEADER + BROKEN[code])


@pytest.mark.parametrize("code", sorted(REMOVED))
def test_each_missing_header_statement_is_found(code):
    statement = REMOVED[code]
    broken = HEADER.replace(f"{statement} ;", "").replace(f" ; {statement} .", " .").replace(statement, "")
    assert code in codes(broken)


def test_the_virtkg_ontology_has_no_findings():
    ontology = rdflib.Graph().parse(ROOT / "ontology" / "virtkg.ttl", format="turtle")
    assert quality.check_ontology(ontology) == []


def test_report_lists_every_check_as_ok_on_a_clean_ontology():
    report = quality.render_report([])
    for code, title, _ in quality.CHECKS:
        assert f"{code}" in report and f"{title}: ok" in report
    assert report.endswith(f"{len(quality.CHECKS)} checks, 0 findings")
