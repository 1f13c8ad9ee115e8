"""Package data: CONSTRUCT queries (.rq) that materialise entailments the reasoner leaves implicit."""
