"""The browsable site (api.pages.views): a page for every IRI, built from the page queries in
queries/*.rq (read), per-build indexes (site), statement grouping (describe), search and diagrams."""
