"""Package data: the canned SPARQL queries (.rq files)."""
