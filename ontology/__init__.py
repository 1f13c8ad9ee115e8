"""Package data: the virtkg ontology, vocabulary, shapes and mappings (Turtle/TSV files)."""
