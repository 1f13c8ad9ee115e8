"""/api: canned queries over HTTP — answers, safe parameters, pages, formats, OpenAPI and a property run."""

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

from conftest import virtkg
from kg import canned

QUERIES = canned.load_all()
INJECTIONS = ['"', "'", "}", "} UNION { ?s ?p ?o }", "x\n}", "# comment", "<http://example.org/x>",
              '") } UNION { ?s ?p ?o } #', "vkr:kvm> } UNION { ?s ?p ?o"]
VKR = "https://w3id.org/virtkg/resource/"


def api(server, path, **kwargs):
    kwargs.setdefault("timeout", 30)
    return requests.get(server.url + path, **kwargs)


# --- the documents of the API -------------------------------------------------------------------

def test_index_lists_every_query(server):
    listing = api(server, "/api").json()
    assert {q["name"] for q in listing["queries"]} == set(QUERIES) >= {
        "compare", "hypervisors", "isolation", "use-cases", "advise", "disagreements", "by-source", "products",
        "timeline", "search"}
    html = api(server, "/api", headers={"Accept": "text/html"})
    assert html.headers["Content-Type"].startswith("text/html") and "compare" in html.text


def test_openapi_document_validates(server):
    document = api(server, "/api/openapi.json").json()
    validate(document)
    assert set(document["paths"]) == {f"/api/{name}" for name in QUERIES}


def test_property_run_finds_no_server_error(server):
    """Requests generated from the OpenAPI document (schemathesis + hypothesis), for every operation."""
    operations = [result.ok() for result in schemathesis.openapi.from_url(server.url + "/api/openapi.json")
                  .get_all_operations()]
    assert len(operations) == len(QUERIES)
    seen = []
    for operation in operations:
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def call(case):
            response = case.call(timeout=30)
            seen.append(response.status_code)
            assert response.status_code < 500, f"{case.path} {case.query} -> {response.status_code} {response.text[:200]}"
        call()
    assert 200 in seen and 400 in seen


# --- safe parameters --------------------------------------------------------------------------------

PARAMETERS = [(q.name, p.name, p.kind) for q in QUERIES.values() for p in q.params]


@pytest.mark.parametrize("query, param, kind", PARAMETERS, ids=[f"{q}-{p}" for q, p, _ in PARAMETERS])
def test_injection_is_refused_or_finds_nothing(server, query, param, kind):
    for payload in INJECTIONS:
        response = api(server, f"/api/{query}", params={param: payload})
        if kind == "text":
            assert response.status_code == 200, payload
            rows = response.json()["rows"]
            assert all(any(payload.lower() in v.lower() for k, v in row.items() if k != param) for row in rows), \
                f"{payload!r} is matched as text, never as query syntax"
        else:
            assert response.status_code == 400, payload
            assert response.json()["error"].startswith(f"{param}="), payload


def test_unknown_value_lists_what_is_accepted(server):
    response = api(server, "/api/compare", params={"a": "mainframe"})
    assert response.status_code == 400
    message = response.json()["error"]
    assert message.startswith("a='mainframe' is not a known vkg:Technology; give an IRI, CURIE or name such as: ")
    near = api(server, "/api/compare", params={"a": "Kubernets"}).json()["error"]
    assert "the closest being: Kubernetes" in near


def test_missing_required_value_shows_an_example(server):
    response = api(server, "/api/search")
    assert response.status_code == 400
    assert response.json()["error"] == "search needs the parameter text (for example: text=bare metal)"


def test_unknown_parameter_and_bad_enum_and_paging_values_are_400(server):
    assert api(server, "/api/timeline", params={"colour": "red"}).status_code == 400
    assert api(server, "/api/timeline", params={"limit": "0"}).status_code == 400
    assert api(server, "/api/timeline", params={"offset": "-1"}).status_code == 400
    assert api(server, "/api/no-such-query").status_code == 404


@pytest.mark.parametrize("value", ["vkr:kvm", f"{VKR}kvm", "KVM", "kvm"])
def test_a_resource_is_named_by_iri_curie_or_label(server, value):
    answer = api(server, "/api/isolation", params={"technology": value})
    assert answer.status_code == 200
    assert answer.json()["parameters"] == {"technology": ["vkr:kvm"]}


# --- pages and formats -----------------------------------------------------------------------------

def test_pages_are_honest(server):
    first = api(server, "/api/by-source", params={"document": "002", "limit": 50})
    page = first.json()
    assert len(page["rows"]) == 50 and page["next"] and page["prev"] is None
    assert 'rel="next"' in first.headers["Link"]
    assert "total" not in page, "no invented totals"
    second = requests.get(page["next"], timeout=30).json()
    assert second["offset"] == 50 and second["prev"]
    assert second["rows"] and second["rows"][0] != page["rows"][0]
    everything = api(server, "/api/by-source", params={"document": "002", "limit": 1000}).json()
    assert everything["rows"][50:100] == second["rows"][:50]


def test_formats_by_suffix_and_accept(server):
    as_csv = api(server, "/api/hypervisors.csv")
    assert as_csv.headers["Content-Type"].startswith("text/csv") and as_csv.text.startswith("type,typeLabel,product")
    sparql_json = api(server, "/api/hypervisors", headers={"Accept": "application/sparql-results+json"})
    assert sparql_json.json()["head"]["vars"][0] == "type"
    sparql_xml = api(server, "/api/hypervisors", headers={"Accept": "application/sparql-results+xml"})
    assert "<sparql" in sparql_xml.text
    browser = api(server, "/api/hypervisors", headers={"Accept": "text/html,*/*;q=0.8"})
    assert browser.headers["Content-Type"].startswith("text/html") and "<table>" in browser.text
    assert api(server, "/api/hypervisors.json").json()["query"] == "hypervisors"
    assert api(server, "/api/hypervisors", headers={"Accept": "image/png"}).status_code == 406


def test_answers_are_cacheable(server):
    first = api(server, "/api/timeline")
    again = api(server, "/api/timeline", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


# --- CLI twins ---------------------------------------------------------------------------------------

def test_cli_ask_compare_and_advise(build_dir):
    out = virtkg("ask", "hypervisors", "type=Type 1 hypervisor", "--out", str(build_dir)).stdout
    assert "vkr:kvm" in out and "Type 2" not in out
    compared = virtkg("compare", "vm", "container", "--dimension", "startup time", "--out", str(build_dir)).stdout
    summary, header = compared.splitlines()[:2]
    assert summary.startswith("startup time: containers ") and "virtual machines " in summary
    assert header.split() == ["technology", "value", "rating", "verdict", "source", "side"]
    advised = virtkg("advise", "--need", "untrusted code", "--out", str(build_dir)).stdout
    assert advised.startswith("1. ")
    bad = virtkg("ask", "compare", "a=mainframe", "--out", str(build_dir), check=False)
    assert bad.returncode == 1 and bad.stderr.startswith("virtkg: a='mainframe' is not a known")


# --- answers held against the facts ------------------------------------------------------------------

def documents(rows, value):
    return sorted({r["document"][:3] for r in rows if r["value"] == value})


def test_compare_startup_time_keeps_every_source_and_flags_the_disagreement(server):
    page = api(server, "/api/compare", params={"a": "virtual machines", "b": "containers",
                                                "dimension": "startup time", "limit": 1000}).json()
    vms = [r for r in page["rows"] if r["technology"] == VKR + "virtual-machines"]
    containers = [r for r in page["rows"] if r["technology"] == VKR + "containers"]
    assert documents(vms, "minutes") == ["001", "002", "003"]
    assert documents(containers, "milliseconds") == ["000", "001"]
    assert documents(containers, "seconds") == ["002", "003"]
    assert all(r["disputed"] is True for r in containers if r["value"] in ("milliseconds", "seconds"))
    assert all(r["disputed"] is bool(r.get("rivals")) for r in page["rows"])
    [summary] = page["dimensions"]
    assert summary["disputed"] and summary["summary"].startswith("startup time: containers in dispute: ")
    assert all(r["source"].startswith("https://w3id.org/virtkg/source/") for r in page["rows"])


def test_advise_for_untrusted_code_puts_vm_isolation_first_with_sources(server):
    page = api(server, "/api/advise", params={"need": "untrusted code"}).json()
    ranking = page["ranking"]
    order = [o["technology"] for o in ranking]
    assert set(order[:2]) == {"vkr:virtual-machines", "vkr:vm-isolated-containers"} and ranking[1]["score"] > 0
    assert order.index("vkr:containers") >= 2 and ranking[order.index("vkr:containers")]["score"] <= 0
    assert all(reason["source"].startswith("vks:") for option in ranking for reason in option["for"] + option["against"])


def test_advise_takes_several_needs(server):
    page = api(server, "/api/advise", params=[("need", "untrusted code"), ("need", "rapid scaling")]).json()
    assert page["parameters"]["need"] == ["vkr:untrusted-code", "vkr:rapid-scaling"]
    scores = {o["technology"]: o["score"] for o in page["ranking"]}
    # VMs: for with untrusted code, against with rapid scaling; VM-isolated containers: for (via Kata)
    assert scores["vkr:vm-isolated-containers"] > scores["vkr:virtual-machines"]
    assert [o for o in page["ranking"] if o["technology"] == "vkr:vm-isolated-containers"][0]["for"][0]["via"] == ["Kata Containers"]


def test_hypervisors_by_type_with_makers(server):
    rows = api(server, "/api/hypervisors", params={"type": "Type 2 hypervisor"}).json()["rows"]
    makers = {(r["productLabel"], r.get("makerLabel")) for r in rows}
    assert ("VirtualBox", "Oracle") in makers and ("VMware Workstation", "VMware") in makers


def test_disagreements_include_container_startup(server):
    rows = api(server, "/api/disagreements", params={"technology": "containers", "dimension": "startup time",
                                                      "limit": 1000}).json()["rows"]
    pairs = {(r["value"], r["otherValue"]) for r in rows}
    assert ("milliseconds", "seconds") in pairs


def test_timeline_is_ordered_and_dated(server):
    rows = api(server, "/api/timeline").json()["rows"]
    years = [int(r["year"]) for r in rows if "year" in r]
    assert years == sorted(years) and {2007, 2008, 2013} <= set(years)
