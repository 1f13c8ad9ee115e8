"""Confinement of a query process, applied by the process to itself before it reads its first job.

A query is evaluated by an engine that could, if some layer above missed it, follow a SERVICE clause
to any URL. So the process is made unable to open a socket at all: a seccomp filter (through
libseccomp) makes socket(2), socketpair(2) and io_uring_setup(2) fail with EACCES. Its pipe to the
server was opened before, and stays. Its memory is bounded too (RLIMIT_DATA), so a query that builds
huge values ends its own process, not the machine; and it runs at a lower priority than the server,
so a storm of slow queries cannot starve the event loop that answers cached and cheap requests.
"""

import errno
import os
import resource

import pyseccomp

BLOCKED_SYSCALLS = ("socket", "socketpair", "io_uring_setup")
NICENESS = 10


def confine(memory_bytes: int) -> None:
    """Irreversible for this process: no new sockets, at most `memory_bytes` of data, a lower priority."""
    os.nice(NICENESS)
    resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))
    rules = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
    for name in BLOCKED_SYSCALLS:
        rules.add_rule(pyseccomp.ERRNO(errno.EACCES), name)
    rules.load()
