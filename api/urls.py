"""The one place where the graph's public IRIs (https://w3id.org/virtkg/...) meet this server's URLs.

w3id.org redirects the public IRIs to wherever virtkg is deployed; whatever the host (and whatever
path prefix a proxy mounts it under), `/resource/kvm` on it stands for `vkr:kvm`. Pages, the API's
HTML tables and the editor's result links all go through here, so a link to one of our IRIs opens our
own page rather than leaving the site.
"""

from functools import lru_cache
from urllib.parse import quote, unquote

from flask import request

PUBLIC_BASE = "https://w3id.org/virtkg/"
AREAS = ("resource", "ontology", "source", "graph")  # the first path segment of every IRI we mint


def is_ours(iri: str) -> bool:
    return iri.startswith(PUBLIC_BASE) and iri[len(PUBLIC_BASE):].split("/", 1)[0] in AREAS


def path_of(iri: str) -> str:
    """The server-relative path of one of our IRIs: https://w3id.org/virtkg/resource/kvm -> /resource/kvm."""
    return "/" + quote(iri[len(PUBLIC_BASE):], safe="/:@!$&'()*+,;=-._~")


def iri_of(path: str) -> str:
    """The public IRI a request path stands for (the inverse of path_of)."""
    return PUBLIC_BASE + unquote(path.lstrip("/"))


def href(iri: str) -> str:
    """Where a link to `iri` should go from a page of this server: our page for our IRIs, else the IRI."""
    return _href(iri, request.script_root if request else "")


@lru_cache(maxsize=65536)  # a page links hundreds of IRIs, mostly the same few across requests
def _href(iri: str, root: str) -> str:
    return root + path_of(iri) if is_ours(iri) else iri


def page_url(iri: str, fmt=None) -> str:
    """Our page for one of our IRIs, or one of its machine forms (`fmt` a formats.Format with a suffix)."""
    url = href(iri)
    return f"{url}.{fmt.suffix}" if fmt is not None else url

