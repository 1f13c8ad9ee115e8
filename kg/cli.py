"""The `virtkg` command line. Every failure is one readable line per problem on stderr and a
non-zero exit; tracebacks only with VIRTKG_DEBUG=1."""

import json
import os
import sys
import tempfile
from pathlib import Path

import click
import pyoxigraph as ox

from kg import build as building
from kg import advice, agreement, canned, extra, quality, results
from kg import coverage as cover
from kg.errors import VirtkgError
from kg.namespaces import PREFIXES, curie as _curie
from kg.sparql_syntax import analyse
from kg.store import EmbeddedStore, current_build, default_out_dir, named_quads

EXPORT_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS,
                  "jsonld": ox.RdfFormat.JSON_LD, "xml": ox.RdfFormat.RDF_XML}
DATASET_FORMATS = {"trig", "nquads"}


class Cli(click.Group):
    """Turns VirtkgError into its problem lines; anything unexpected into one line, not a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except VirtkgError as e:
            for problem in e.problems:
                click.echo(f"virtkg: {problem}", err=True)
            ctx.exit(e.exit_code)
        except click.UsageError as e:  # one line, not click's usage block
            where = f"virtkg {e.ctx.info_name} --help" if e.ctx and e.ctx.parent else "virtkg --help"
            click.echo(f"virtkg: {e.format_message()} (see `{where}`)", err=True)
            ctx.exit(e.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # the reader (head, less) went away: not our failure
            sys.stderr.close()
            ctx.exit(0)
        except Exception as e:  # noqa: BLE001 - last line of defence for a CLI
            if os.environ.get("VIRTKG_DEBUG"):
                raise
            click.echo(f"virtkg: internal error: {type(e).__name__}: {e} (VIRTKG_DEBUG=1 shows more)", err=True)
            ctx.exit(70)


out_option = click.option("--out", "out_dir", type=click.Path(path_type=Path), default=default_out_dir,
                          show_default="$VIRTKG_BUILD_DIR or ./build", help="Where builds are kept.")
facts_option = click.option("--facts", "facts_dir", type=click.Path(path_type=Path, exists=True, file_okay=False),
                            default=None, help="Read fact files (*.trig) from this folder instead of the packaged ones.")
extra_option = click.option("--extra", "extras", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
                            help="Your own data (Turtle, TriG, N-Triples, N-Quads, JSON-LD) beside the graph, "
                                 "in its own named graph; repeatable.")
quiet_option = click.option("--quiet", "-q", is_flag=True, help="Do not show progress.")


def _echo(text: str) -> None:
    """Print a rendering once, without adding a blank line after formats that end in their own newline."""
    click.echo(text, nl=not text.endswith("\n"))


def _progress(quiet: bool):
    def show(step: str, detail: str, seconds: float) -> None:
        click.echo(f"  {step:<8} {detail} ({seconds:.2f} s)", err=True)
    return building._quiet if quiet else show


@click.group(cls=Cli)
@click.version_option(package_name="virtkg")
def main():
    """virtkg: the virtualization knowledge graph."""


@main.command()
@out_option
@facts_option
@quiet_option
@extra_option
def build(out_dir, facts_dir, quiet, extras):
    """Parse, check, reason and write a new build; the previous one stays if anything fails. With
    --extra, also load and check those files beside it, where `virtkg serve --extra` finds them."""
    target = building.build(out_dir, facts_dir, _progress(quiet))
    click.echo(f"built {target.name} in {out_dir}")
    if extras:
        load_extra(out_dir, list(extras))


@main.command()
@facts_option
@quiet_option
@click.option("--report", is_flag=True, help="Also print the ontology quality report (OOPS!/FOOPS! checks).")
def validate(facts_dir, quiet, report):
    """Run every check of a build and write nothing."""
    checked = building.check(facts_dir, _progress(quiet))
    if report:
        from kg.load import load_sources  # the T-box alone, as the quality gates see it
        from kg.namespaces import ONTOLOGY_IRI
        from rdflib import Graph
        ontology = Graph()
        for triple in load_sources(facts_dir).dataset.graph(ONTOLOGY_IRI):
            ontology.add(triple)
        click.echo(quality.render_report(quality.check_ontology(ontology)))
    click.echo(f"valid: {len(checked.store)} quads, every check passed")


@main.command()
@click.argument("sparql", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r", encoding="utf-8"), help="Read the query from a .rq file.")
@click.option("--format", "fmt", type=click.Choice(results.FORMATS), default="table", show_default=True)
@extra_option
@out_option
def query(sparql, query_file, fmt, extras, out_dir):
    """Run a SPARQL query over the current build (default graph = union of all graphs)."""
    if bool(sparql) == bool(query_file):
        raise click.UsageError("give either a query string or -f FILE")
    text = sparql or query_file.read()
    analyse(text)
    store = _opened(out_dir, extras)
    _echo(results.render(store.query(text), fmt))


def _opened(out_dir: Path, extras: tuple[Path, ...]) -> EmbeddedStore:
    """The current build, or, with --extra files, the build and those files in their overlay."""
    return EmbeddedStore.open(load_extra(out_dir, list(extras)) if extras else out_dir)


def load_extra(out_dir: Path, paths: list[Path]) -> Path:
    """Overlay the current build with `paths` (or find the overlay of the same build and files), with a
    progress bar on a terminal; say how long the loading and checking took, and return the folder that
    holds the overlay as its current build."""
    sizes = sum(p.stat().st_size for p in paths if p.is_file())
    with click.progressbar(length=sizes, label="loading extra data", file=sys.stderr,
                           hidden=not sys.stderr.isatty()) as bar:
        target, loaded = extra.overlay(current_build(out_dir), paths, out_dir, bar.update)
    report = json.loads((target / "report.json").read_text(encoding="utf-8"))
    added = sum(report["triples_per_graph"][g] for g in report["extra"].values())
    done = (f"loaded and checked in {report['extra_seconds']:.1f} s" if loaded
            else f"loaded and checked before (in {report['extra_seconds']:.1f} s), used as it is")
    click.echo(f"extra data: {added:,} statements from {len(paths)} file(s) {done}", err=True)
    return target.parent


def _run_canned(store: EmbeddedStore, name: str, args: dict[str, list[str]]):
    queries = canned.load_all()
    if name not in queries:
        raise click.UsageError(f"no query named {name!r}; there are: {', '.join(sorted(queries))}")
    bound = canned.bind(queries[name], args, canned.Lookup(store.query))
    return store.query(bound.text, substitutions={ox.Variable(k): v for k, v in bound.substitutions.items()})


@main.command()
@click.argument("name")
@click.argument("params", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(results.FORMATS), default="table", show_default=True)
@extra_option
@out_option
def ask(name, params, fmt, extras, out_dir):
    """Run a canned query from queries/ with key=value parameters (a key may repeat)."""
    args: dict[str, list[str]] = {}
    for param in params:
        key, sep, value = param.partition("=")
        if not sep:
            raise click.UsageError(f"parameters are key=value, not {param!r}")
        args.setdefault(key, []).append(value)
    store = _opened(out_dir, extras)
    _echo(results.render(_run_canned(store, name, args), fmt))


@main.command()
@click.argument("a")
@click.argument("b")
@click.option("--dimension", help="Only this comparison dimension (a name or CURIE).")
@extra_option
@out_option
def compare(a, b, dimension, extras, out_dir):
    """Compare two technologies dimension by dimension: whether the sources agree, then each value with its source."""
    args = {"a": [a], "b": [b], **({"dimension": [dimension]} if dimension else {})}
    store = _opened(out_dir, extras)
    solutions = _run_canned(store, "compare", args)
    names = [v.value for v in solutions.variables]
    plain = [{n: row[n].value for n in names if row[n] is not None} for row in solutions]
    blocks = []
    for dim in agreement.group(plain):
        rows = [[row["technologyLabel"], row["value"], row.get("rating", ""), row["verdict"],
                 results.cell(ox.NamedNode(row["source"])), agreement.side_of(dim, row["claim"])]
                for row in dim.rows]
        rows.sort(key=lambda r: (r[0].lower(), r[5], r[4], r[1]))
        blocks.append(dim.summary() + "\n" + results.table(["technology", "value", "rating", "verdict", "source", "side"], rows))
    click.echo("\n\n".join(blocks) if blocks else "(no claims)")


@main.command()
@click.option("--need", "needs", multiple=True, required=True,
              help="A need of the workload: a use case or decision criterion (name, CURIE or IRI); repeat it.")
@extra_option
@out_option
def advise(needs, extras, out_dir):
    """Rank VMs, containers and their hybrids for your needs, with each reason and its source."""
    store = _opened(out_dir, extras)
    solutions = _run_canned(store, "advise", {"need": list(needs)})
    names = [v.value for v in solutions.variables]
    rows = [{n: row[n].value for n in names if row[n] is not None} for row in solutions]
    lines = []
    for rank, option in enumerate(advice.rank(rows), 1):
        examples = f", e.g. {', '.join(option.examples)}" if option.examples else ""
        lines.append(f"{rank}. {option.label} (score {option.score:+d}{examples})")
        for r in option.reasons:
            sections = " ".join(results.cell(ox.NamedNode(s)) for s in r.sources)
            via = f" (of {', '.join(r.via)})" if r.via else ""
            lines.append(f"     {'+' if r.stance == 'for' else '-'} {r.need_label + via:<40} {r.document}: {sections}")
        lines += [f"     ! documents disagree on {n.label}: {', '.join(sorted(n.documents('for')))} for, "
                  f"{', '.join(sorted(n.documents('against')))} against" for n in option.disputed]
        if not option.reasons:
            lines.append("     no source speaks to these needs for this option")
    click.echo("\n".join(lines))


@main.command()
@out_option
@click.option("--json", "as_json", is_flag=True, help="Print the whole build report as JSON.")
def stats(out_dir, as_json):
    """Counts of the current build: triples, graphs, classes, individuals, facts per document."""
    report = EmbeddedStore.open(out_dir).report
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"build            {report['build_id']} ({report['created']})")
    for key in ("triples", "quads", "classes", "individuals", "inferred_triples"):
        click.echo(f"{key.replace('_', ' '):<16} {report[key]}")
    click.echo(f"graphs           {len(report['triples_per_graph'])}")
    for doc, n in report["facts_per_document"].items():
        click.echo(f"facts in {doc}     {n}")
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in report["seconds_per_step"].items())
    click.echo(f"build steps      {steps}")


@main.command()
@click.option("--docs", "docs_dir", type=click.Path(path_type=Path, exists=True, file_okay=False), required=True,
              help="Folder of source documents (NNN_<hash>.txt).")
@click.option("--strict", is_flag=True, help="Exit non-zero if a section has no facts or a heading is unaccounted for.")
@out_option
def coverage(docs_dir, strict, out_dir):
    """Per document and section: facts and resources held, and candidate terms the graph never mentions."""
    reports = cover.coverage(EmbeddedStore.open(out_dir), docs_dir)
    click.echo(cover.render(reports))
    problems = [p for r in reports for p in r.problems]
    if strict and problems:
        raise VirtkgError(*problems)


@main.command()
@click.option("--format", "fmt", type=click.Choice(sorted(EXPORT_FORMATS)), required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), help="Write here (atomically) instead of stdout.")
@out_option
def export(fmt, output, out_dir):
    """Export the current build; turtle, jsonld and xml merge all graphs into one."""
    store = EmbeddedStore.open(out_dir).store
    if fmt in DATASET_FORMATS:
        write = lambda out: ox.serialize(named_quads(store), out, format=EXPORT_FORMATS[fmt], prefixes=PREFIXES)
    else:
        triples = {ox.Triple(q.subject, q.predicate, q.object) for q in named_quads(store)}
        write = lambda out: ox.serialize(triples, out, format=EXPORT_FORMATS[fmt], prefixes=PREFIXES)
    _write(output, write, sys.stdout.buffer, "wb")


def _write(output: Path | None, write, stdout, mode: str) -> None:
    """`write(file)` to stdout, or to `output` atomically (a temporary file renamed), so a failure
    never leaves a half-written file."""
    if output is None:
        write(stdout)
        return
    with tempfile.NamedTemporaryFile(mode, dir=output.parent or ".", prefix=f".{output.name}.", delete=False) as tmp:
        try:
            write(tmp)
            tmp.close()
            os.replace(tmp.name, output)
        except BaseException:
            os.unlink(tmp.name)
            raise
    click.echo(f"wrote {output}", err=True)


@main.command()
@click.argument("their_ontology", type=click.Path(path_type=Path, dir_okay=False))
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the SSSOM table here (atomically) instead of stdout.")
@click.option("--min", "minimum", type=click.FloatRange(0, 1), default=0.6, show_default=True,
              help="Propose only matches scoring at least this.")
@click.option("--check", is_flag=True, help="Merge both ontologies with the chosen mappings and reason with HermiT.")
@click.option("--mappings", "chosen", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="With --check: the SSSOM mappings to check (default: the proposed exact matches).")
@quiet_option
def align(their_ontology, output, minimum, check, chosen, quiet):
    """Propose mappings between THEIR_ONTOLOGY's classes and ours (SSSOM, best first); --check the merge."""
    from rdflib import Graph
    from kg import align as aligning, mappings, resources
    theirs_graph = aligning.load(their_ontology)
    ours_graph = Graph()
    for path in resources.ontology_files():
        ours_graph.parse(path, format="turtle")
    theirs, ours = aligning.classes(theirs_graph), aligning.classes(ours_graph)
    show = not quiet and sys.stderr.isatty()
    with click.progressbar(length=len(theirs), label=f"matching {len(theirs)} classes against {len(ours)}",
                           file=sys.stderr if show else open(os.devnull, "w")) as bar:
        proposals = aligning.propose(theirs, ours, minimum, progress=lambda n: bar.update(1))
    _write(output, lambda out: aligning.write_sssom(proposals, theirs_graph, their_ontology.name, out), sys.stdout, "w")
    if not check:
        return
    if chosen:
        picked = [(r["subject_id"], r["predicate_id"], r["object_id"]) for r in mappings.rows(chosen)[1]]
    else:
        picked = [(p.theirs.iri, p.predicate, p.ours.iri) for p in proposals if p.confidence >= aligning.EXACT]
    verdict = aligning.check(ours_graph, theirs_graph, picked, PREFIXES["vkg"])
    lines = [f"merge with {len(picked)} mappings: {'consistent' if verdict.consistent else 'INCONSISTENT'} (HermiT)"]
    lines += [f"  unsatisfiable: {_curie(c)}" for c in verdict.unsatisfiable]
    lines += [f"  {_curie(c)} is now a subclass of {', '.join(_curie(a) for a in ancestors)}"
              for c, ancestors in verdict.subclasses.items()]
    click.echo("\n".join(lines), err=True)
    if not verdict.consistent or verdict.unsatisfiable:
        sys.exit(1)


@main.command()
@click.option("--endpoint", required=True, help="The store's SPARQL 1.1 query endpoint.")
@click.option("--graph-store", help="Its Graph Store HTTP Protocol endpoint [default: beside --endpoint, where "
                                    "Oxigraph server (/store) and Virtuoso (/sparql-graph-crud-auth) keep it].")
@quiet_option
@out_option
def publish(endpoint, graph_store, quiet, out_dir):
    """Push every named graph of the current build into a SPARQL store, then check its counts."""
    import time
    from kg import publish as publishing
    store = EmbeddedStore.open(out_dir)
    graphs = [g for g in store.report["triples_per_graph"] if g != "default"] + ["merged"]
    started = time.perf_counter()
    show = not quiet and sys.stderr.isatty()
    with click.progressbar(length=len(graphs), label=f"publishing {len(graphs)} graphs",
                           file=sys.stderr if show else open(os.devnull, "w")) as bar:
        counts = publishing.publish(store.store, endpoint, graph_store, progress=lambda graph: bar.update(1))
    seconds = time.perf_counter() - started
    wrong = [c for c in counts if not c.matches]
    for c in wrong:
        click.echo(f"virtkg: {_curie(c.graph)}: {c.ours} triples here, {c.theirs} in the store", err=True)
    click.echo(f"published {len(counts)} graphs, {sum(c.ours for c in counts)} triples, to {endpoint} in "
               f"{seconds:.1f} s: " + ("every count matches" if not wrong else f"{len(wrong)} counts differ"))
    if wrong:
        sys.exit(1)