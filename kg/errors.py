"""Error types: each carries readable one-line problems, turned into output in one place (the CLI)."""


class VirtkgError(Exception):
    """A failure the user can act on; `problems` are one line each."""

    exit_code = 1

    def __init__(self, *problems: str):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class InputError(VirtkgError):
    """Source files (ontology, vocabulary, facts) that do not parse or break a structural rule."""


class ValidationError(VirtkgError):
    """The graph breaks a shape, a quality gate or is inconsistent under the reasoner."""


class QueryError(VirtkgError):
    """A query that does not parse or cannot run."""


class NoBuildError(VirtkgError):
    """Nothing has been built yet where a command looks for the graph."""
