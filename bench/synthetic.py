"""Synthetic inventory data typed with virtkg's classes, to grow the graph to about a million triples:
hosts (physical hardware) running virtual machines on a Type 1 hypervisor, each VM running containers.

    .venv/bin/python bench/synthetic.py --triples 1000000 > synthetic.nq
"""

import argparse
import sys

VKG = "https://w3id.org/virtkg/ontology/"
VKR = "https://w3id.org/virtkg/resource/"
GRAPH = "<https://w3id.org/virtkg/graph/synthetic>"
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
VMS_PER_HOST, CONTAINERS_PER_VM = 8, 4
TRIPLES_PER_HOST = 3 + VMS_PER_HOST * (5 + CONTAINERS_PER_VM * 4)


def quads(hosts: int):
    for h in range(hosts):
        host = f"<{VKR}synthetic-host-{h}>"
        yield f"{host} {TYPE} <{VKG}Hardware> {GRAPH} ."
        yield f'{host} {LABEL} "host {h}"@en {GRAPH} .'
        yield f"{host} <{VKG}providedBy> <{VKR}vmware> {GRAPH} ."
        for v in range(VMS_PER_HOST):
            vm = f"<{VKR}synthetic-vm-{h}-{v}>"
            yield f"{vm} {TYPE} <{VKG}SystemVirtualMachine> {GRAPH} ."
            yield f'{vm} {LABEL} "virtual machine {h}-{v}"@en {GRAPH} .'
            yield f"{vm} <{VKG}runsOn> {host} {GRAPH} ."
            yield f"{vm} <{VKG}uses> <{VKR}kvm> {GRAPH} ."
            yield f"{vm} <{VKG}includes> <{VKR}linux> {GRAPH} ."
            for c in range(CONTAINERS_PER_VM):
                container = f"<{VKR}synthetic-container-{h}-{v}-{c}>"
                yield f"{container} {TYPE} <{VKG}Container> {GRAPH} ."
                yield f'{container} {LABEL} "container {h}-{v}-{c}"@en {GRAPH} .'
                yield f"{container} <{VKG}runsOn> {vm} {GRAPH} ."
                yield f"{container} <{VKG}isolatedBy> <{VKR}cgroups> {GRAPH} ."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000)
    args = parser.parse_args()
    out = sys.stdout
    for line in quads(max(1, args.triples // TRIPLES_PER_HOST)):
        out.write(line + "\n")


if __name__ == "__main__":
    main()
