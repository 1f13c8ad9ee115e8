"""Synthetic inventory data typed with virtkg's classes, to grow the graph to about a million triples.

Sites of 100 machines each. Three machines in four are servers running a Type 1 hypervisor directly;
the fourth is a workstation running a Type 2 hypervisor on a host operating system. Every hypervisor
runs 8 system virtual machines (each including a guest operating system), and every virtual machine
runs 4 containers (each using a container runtime and isolated by Linux namespaces). Every generated
resource has an English rdfs:label, the same skos:prefLabel and a skos:definition (as our shapes ask), and each site is its own named graph,
https://w3id.org/virtkg/graph/synthetic/site-N, so the data stays apart from the extracted facts.

    .venv/bin/python bench/synthetic.py --triples 1000000 > synthetic.nq

The inventory points at products of the shipped graph (guest systems, runtimes, isolation) but never at
a hypervisor product, so that a DESCRIBE of a hypervisor stays the same size at every graph size.
"""

import argparse
import sys
from typing import Iterator, TextIO

VKG = "https://w3id.org/virtkg/ontology/"
VKR = "https://w3id.org/virtkg/resource/"
GRAPH = "https://w3id.org/virtkg/graph/synthetic/"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"  # our shapes ask for both, equal, and a definition
DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"
MACHINES_PER_SITE, VMS_PER_HYPERVISOR, CONTAINERS_PER_VM = 100, 8, 4
TYPE1 = ["KVM", "VMware ESXi", "Hyper-V"]
TYPE2 = ["VirtualBox", "VMware Workstation"]
HOST_SYSTEMS = ["Windows", "macOS", "Ubuntu"]
GUEST_SYSTEMS = ["linux", "ubuntu", "windows", "freebsd"]
RUNTIMES = ["docker", "containerd", "cri-o"]


class Site:
    """Writes the statements of one site as N-Quads lines."""

    def __init__(self, number: int, seed: int = 0, base: str = f"{VKR}synthetic/"):
        self.number, self.seed = number, seed
        self.graph = f"<{GRAPH}site-{number}>"
        self.base = f"{base}site-{number}/"

    def iri(self, path: str) -> str:
        return f"<{self.base}{path}>"

    def quad(self, subject: str, predicate: str, obj: str) -> str:
        return f"{subject} {predicate} {obj} {self.graph} ."

    def resource(self, iri: str, cls: str, label: str, **links: str) -> Iterator[str]:
        """A typed, labelled resource and its links (vkg: property name -> object)."""
        yield self.quad(iri, f"<{TYPE}>", f"<{VKG}{cls}>")
        yield self.quad(iri, f"<{LABEL}>", f'"{label}"@en')
        yield self.quad(iri, f"<{PREF_LABEL}>", f'"{label}"@en')
        yield self.quad(iri, f"<{DEFINITION}>", f'"A {cls} of the synthetic inventory, site {self.number}."@en')
        for prop, obj in links.items():
            yield self.quad(iri, f"<{VKG}{prop}>", obj)

    def machine(self, m: int) -> Iterator[str]:
        """A server with a Type 1 hypervisor, or (one in four) a workstation with a Type 2 one."""
        name, pick = f"{self.number}-{m}", m + self.seed  # the seed turns which product each machine gets
        host = self.iri(f"machine-{m}")
        hypervisor = self.iri(f"machine-{m}/hypervisor")
        if m % 4 != 3:
            yield from self.resource(host, "Hardware", f"server {name}")
            yield from self.resource(hypervisor, "Type1Hypervisor",
                                     f"{TYPE1[pick % len(TYPE1)]} hypervisor on server {name}", runsOn=host)
        else:
            system = self.iri(f"machine-{m}/host-system")
            yield from self.resource(host, "Hardware", f"workstation {name}")
            yield from self.resource(system, "HostOperatingSystem",
                                     f"{HOST_SYSTEMS[pick % len(HOST_SYSTEMS)]} on workstation {name}", runsOn=host)
            yield from self.resource(hypervisor, "Type2Hypervisor",
                                     f"{TYPE2[pick % len(TYPE2)]} hypervisor on workstation {name}", runsOn=system)
        for v in range(VMS_PER_HYPERVISOR):
            yield from self.virtual_machine(m, v, hypervisor)

    def virtual_machine(self, m: int, v: int, hypervisor: str) -> Iterator[str]:
        vm = self.iri(f"machine-{m}/vm-{v}")
        yield from self.resource(vm, "SystemVirtualMachine", f"virtual machine {self.number}-{m}-{v}",
                                 runsOn=hypervisor, includes=f"<{VKR}{GUEST_SYSTEMS[(v + self.seed) % len(GUEST_SYSTEMS)]}>")
        for c in range(CONTAINERS_PER_VM):
            yield from self.resource(self.iri(f"machine-{m}/vm-{v}/container-{c}"), "Container",
                                     f"container {self.number}-{m}-{v}-{c}", runsOn=vm,
                                     uses=f"<{VKR}{RUNTIMES[(c + self.seed) % len(RUNTIMES)]}>",
                                     isolatedBy=f"<{VKR}linux-namespaces>")


def quads(triples: int, seed: int = 0, base: str = f"{VKR}synthetic/") -> Iterator[str]:
    """N-Quads lines, whole machines at a time, until at least `triples` have been written; the same
    seed gives the same lines, another seed the same shape with other products."""
    written, machine = 0, 0
    while written < triples:
        for line in Site(machine // MACHINES_PER_SITE, seed, base).machine(machine % MACHINES_PER_SITE):
            written += 1
            yield line
        machine += 1


def write(out: TextIO, triples: int, seed: int = 0, base: str = f"{VKR}synthetic/") -> int:
    """Write the data as N-Quads; returns how many quads that is."""
    count = 0
    for line in quads(triples, seed, base):
        out.write(line + "\n")
        count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--triples", type=int, default=1_000_000, help="at least this many (default: a million)")
    parser.add_argument("--seed", type=int, default=0, help="which products machines get (same seed, same data)")
    parser.add_argument("--base", default=f"{VKR}synthetic/",
                        help="where the machines' IRIs go (a user's inventory, loaded with --extra, uses its own)")
    args = parser.parse_args()
    write(sys.stdout, args.triples, args.seed, args.base)


if __name__ == "__main__":
    main()
