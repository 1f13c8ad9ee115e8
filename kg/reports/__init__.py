"""Package data: SELECT queries (.rq) behind `virtkg coverage`."""
