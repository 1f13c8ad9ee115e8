"""`virtkg publish`: every named graph of the build into real triple stores over the Graph Store HTTP
Protocol, Oxigraph's server (PyPI) and Virtuoso (Debian), started here on 127.0.0.1; the counts per
graph match, and a store that refuses or is not there is one clear line."""

import os

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

from bench.serving import oxigraph_server, virtuoso
from conftest import virtkg

KVM_TYPES = "SELECT DISTINCT ?type WHERE { GRAPH ?g { <https://w3id.org/virtkg/resource/kvm> a ?type } } ORDER BY ?type"


def _types(endpoint: str) -> list[str]:
    client = SPARQLWrapper(endpoint)
    client.setQuery(KVM_TYPES)
    client.setReturnFormat(JSON)
    return [b["type"]["value"] for b in client.queryAndConvert()["results"]["bindings"]]


def test_publish_to_oxigraph_server(build_dir, store, tmp_path):
    with oxigraph_server(tmp_path / "oxigraph") as (url, _, _):
        result = virtkg("publish", "--endpoint", url + "/query", "--out", str(build_dir))
        graphs = len([g for g in store.report["triples_per_graph"] if g != "default"])
        assert f"published {graphs + 1} graphs" in result.stdout, "and the merged default graph" and "every count matches" in result.stdout
        assert _types(url + "/query") == [r["type"].value for r in store.query(KVM_TYPES)]


def test_publish_to_virtuoso_with_credentials(build_dir, store, tmp_path):
    with virtuoso(tmp_path) as (url, _, _, _):
        refused = virtkg("publish", "--endpoint", url + "/sparql", "--out", str(build_dir), check=False)
        assert refused.returncode == 1 and "HTTP 401; set VIRTKG_STORE_USER" in refused.stderr
        assert "Traceback" not in refused.stderr
        os.environ.update(VIRTKG_STORE_USER="dba", VIRTKG_STORE_PASSWORD="dba")
        try:
            result = virtkg("publish", "--endpoint", url + "/sparql", "--out", str(build_dir))
        finally:
            del os.environ["VIRTKG_STORE_USER"], os.environ["VIRTKG_STORE_PASSWORD"]
        assert "every count matches" in result.stdout
        assert _types(url + "/sparql") == [r["type"].value for r in store.query(KVM_TYPES)]


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:9/query", "http://127.0.0.1:9/elsewhere"])
def test_a_store_that_is_not_there_is_one_line(build_dir, endpoint):
    result = virtkg("publish", "--endpoint", endpoint, "--out", str(build_dir), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert ("cannot reach the graph store" in result.stderr) or ("give it with --graph-store" in result.stderr)
