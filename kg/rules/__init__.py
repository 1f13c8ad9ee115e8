"""Package data: whole-graph rule queries (.rq) the build runs before reasoning."""
