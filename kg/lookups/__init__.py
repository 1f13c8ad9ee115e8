"""Package data: the lookups (.rq) that resolve a canned query parameter to a resource of the graph."""
