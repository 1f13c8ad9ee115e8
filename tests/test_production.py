"""`virtkg serve --production`: uvicorn with several worker processes, each answering, metrics merged across them."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from conftest import Server

QUERY = "ASK { <https://w3id.org/virtkg/resource/kvm> a ?type }"


@pytest.fixture(scope="module")
def production(build_dir):
    running = Server(build_dir, "--production", "--workers", "2", "--threads", "4",
                     env={"VIRTKG_QUERY_WORKERS": "1"})
    yield running
    running.stop()


def test_production_server_answers_concurrent_clients(production):
    def ask(i):
        return requests.get(production.url + "/sparql", params={"query": f"{QUERY} # {i}"}, timeout=30)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, range(40)))
    assert [a.status_code for a in answers] == [200] * 40
    assert all(a.json()["boolean"] is True for a in answers)
    metrics = requests.get(production.url + "/metrics", timeout=10).text
    counted = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                  if line.startswith('virtkg_requests_total{endpoint="/sparql",method="GET",status="200"}'))
    assert counted >= 40, "every worker's requests are counted"
