"""virtkg: build, check and query the virtualization knowledge graph."""

__version__ = "0.1.0"
