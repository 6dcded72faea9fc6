"""The `review` command: validate, compute indicators, build, audit and roll cycles forward.

Each command documents itself (`review COMMAND --help`) and exits 0 on success, 2 when
the inputs are invalid (with a report naming file, row, column, rule and value), and 1
on any other failure, printed as one line unless `--verbose` is given.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

app = typer.Typer(
    help="Alliance Review: builds the yearly review of the Critical Minerals Resilience and Production Alliance.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True)

EXIT_INVALID = 2
EXIT_FAILED = 1


class Edition(str, Enum):
    public = "public"
    restricted = "restricted"


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


INPUTS_HELP = "The cycle's inputs folder [default: ./inputs, else the sample shipped with the package]."
OUTPUTS_HELP = "Where builds are written: OUTPUTS/<cycle>/<edition>/."
EDITION_HELP = "public (confidential values withheld) or restricted [default: the edition in review.yml]."


def print_problems(problems) -> None:
    from review.problems import report_lines

    files = len({p.file for p in problems})
    err.print(f"[bold red]The inputs are not valid:[/] {len(problems)} problem{'s' if len(problems) != 1 else ''} in {files} file{'s' if files != 1 else ''}.")
    for line in report_lines(problems):
        err.print(line, markup=False, highlight=False, soft_wrap=True)
    err.print("Nothing was written; earlier outputs are unchanged. Fix the rows above and run again.")


@contextmanager
def exits(verbose: bool = False):
    """Turn known failures into their exit codes and one readable line."""
    from review.validated import InvalidInputs

    try:
        yield
    except InvalidInputs as exc:
        print_problems(exc.problems)
        raise typer.Exit(EXIT_INVALID)
    except KeyboardInterrupt:
        err.print("Interrupted; earlier outputs are unchanged.")
        raise typer.Exit(130)
    except typer.Exit:
        raise
    except Exception as exc:  # anything else is a tool failure, not bad data
        if verbose:
            err.print_exception()
        err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)  # its text is data, not Rich markup
        raise typer.Exit(EXIT_FAILED)


def _config_or_report(inputs: Path):
    """The cycle's settings; when review.yml is invalid, report every problem of the inputs at once."""
    from review.config import ConfigError, load_config
    from review.validated import InvalidInputs

    try:
        return load_config(inputs)
    except ConfigError:
        from review.validation import validate as run_validation

        raise InvalidInputs(run_validation(inputs).problems)


def _print_warnings(snapshot_dir: Path) -> None:
    """Warnings about valid but doubtful inputs (not errors: a draft must build), from a snapshot.

    The provisional Alliance figures and the members they miss (review.indicators.coverage),
    and projects that look carried forward without an update (review.validation).
    """
    from review import snapshot
    from review.indicators import provisional_summary
    from review.validation import project_warnings

    config = snapshot.read_config(snapshot_dir)
    tables = {name: snapshot.read_table(snapshot_dir, name) for name in ("projects", "dependency", "members", "partners", "indicators")}
    provisional = provisional_summary(tables["indicators"])
    if provisional:
        err.print(
            f"[yellow]warning:[/] {len(provisional)} Alliance figure{'s are' if len(provisional) != 1 else ' is'} provisional: the members that reported "
            f"held less than {config.coverage_threshold:.0%} of the previous year's volume (coverage_threshold in review.yml). "
            "They are shown, but not assessed against their targets:",
            highlight=False,
            soft_wrap=True,
        )
        for line in provisional:
            err.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    for line in project_warnings(tables, config.cycle):
        err.print(f"[yellow]warning:[/] {line}", highlight=False, soft_wrap=True)


@app.command()
def validate(
    inputs: Optional[Path] = typer.Option(None, help=INPUTS_HELP),
    outputs: Path = typer.Option(Path("outputs"), help=OUTPUTS_HELP),
    edition: Optional[Edition] = typer.Option(None, help=EDITION_HELP),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks of tool failures."),
) -> None:
    """Validate a cycle's inputs; on success write the validated snapshot to OUT/validated/.

    Exit code 0 when valid, 2 when the data is invalid (each problem names file, row,
    column, rule and value), 1 on any other failure.
    """
    from review.paths import cache_dir, default_inputs, out_dir
    from review.validated import write_snapshot_in_place

    with exits(verbose):
        inputs = inputs or default_inputs()
        started = time.perf_counter()
        config = _config_or_report(inputs)
        chosen = edition.value if edition else config.edition
        final = out_dir(outputs, config.cycle, chosen) / "validated"
        result = write_snapshot_in_place(inputs, final, chosen, previous=out_dir(outputs, config.previous_cycle, chosen), passed=cache_dir(outputs) / "validation")
        table = Table(title=f"Validated cycle {config.cycle} ({chosen} edition)")
        table.add_column("table")
        table.add_column("rows", justify="right")
        for name, rows in sorted(result.rows.items()):
            if name in ("indicators", "stockpile_totals", "recycling_totals", "previous_scorecard"):
                continue  # derived, not input tables
            table.add_row(name, f"{rows:,}")
        console.print(table)
        console.print(f"All rules passed in {time.perf_counter() - started:.1f} s. Snapshot: {final}")
        _print_warnings(final)


@app.command()
def indicators(
    inputs: Optional[Path] = typer.Option(None, help=INPUTS_HELP),
    format: Format = typer.Option(Format.table, "--format", "-f", help="table (the scorecard, for reading), csv or json (every indicator)."),
    edition: Optional[Edition] = typer.Option(None, help=EDITION_HELP),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks of tool failures."),
) -> None:
    """Compute every indicator of a cycle and print it, without building the report.

    `table` prints the scorecard of every target; `csv` and `json` print the whole tidy
    table (indicator, mineral, stage, scope, year, value, unit, status, detail).
    """
    import tempfile

    import pandas as pd

    from review import snapshot
    from review.indicators import compute_all, scorecard
    from review.paths import default_inputs
    from review.narrative import status_word
    from review.text import format_value, target_label, unit_of
    from review.validated import make_snapshot
    from review.views import displayed_change

    with exits(verbose):
        inputs = inputs or default_inputs()
        _config_or_report(inputs)
        with tempfile.TemporaryDirectory() as tmp:
            result = make_snapshot(inputs, Path(tmp), edition.value if edition else None)
            tables = {name: snapshot.read_table(result.path, name) for name in result.meta["tables"]}
            config = snapshot.read_config(result.path)
            _print_warnings(result.path)
        table = compute_all(tables, config)
        if format is Format.csv:
            from review.text import spreadsheet_safe

            sys.stdout.write(spreadsheet_safe(table).to_csv(index=False, lineterminator="\n"))
        elif format is Format.json:
            sys.stdout.write(table.to_json(orient="records", indent=1) + "\n")
        else:
            card = scorecard(table, tables["targets"])
            view = Table(title=f"Scorecard, cycle {config.cycle} ({result.meta['edition']} edition)")
            for col in ("target", "year", "value", "path", "status", "previous", "change"):
                view.add_column(col, justify="left" if col in ("target", "status") else "right")
            for r in card.itertuples(index=False):
                view.add_row(
                    target_label(r), "" if pd.isna(r.year) else str(r.year), format_value(r.value, unit_of(r.indicator)),
                    format_value(r.path, unit_of(r.indicator)), status_word(r.status),
                    f"{format_value(r.previous_value, unit_of(r.indicator))} {status_word(r.previous_status)}".strip(),
                    displayed_change(r.value, r.previous_value, unit_of(r.indicator)),
                )
            console.print(view)
            console.print(f"{len(table):,} indicator values; `--format csv` prints them all.")


class Renderer(str, Enum):
    auto = "auto"
    quarto = "quarto"
    pandoc = "pandoc"


STAGES = {"validate": "Validate inputs", "execute": "Execute notebooks", "assemble": "Assemble the book", "render": "Render the report"}


class RichReporter:
    """Progress bars per stage: jobs done, reused from the cache and failed."""

    def __init__(self, quiet: bool, verbose: bool):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.table import Column

        self.verbose = verbose
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn("{task.description:<20}"),
            BarColumn(bar_width=16),
            MofNCompleteColumn(),
            TimeElapsedColumn(table_column=Column(no_wrap=True, min_width=7)),
            TextColumn("{task.fields[detail]}", table_column=Column(ratio=1, overflow="fold")),  # the detail wraps, the counts do not
            console=err,
            disable=quiet,
            transient=False,
        )
        self.tasks: dict[str, int] = {}
        self.counts = {"ran": 0, "cached": 0, "failed": 0}

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def stage(self, name, total=None):
        self.tasks[name] = self.progress.add_task(STAGES[name], total=total or 1, detail="")

    def job_done(self, result):
        kind = "failed" if not result.ok else "cached" if result.cached else "ran"
        self.counts[kind] += 1
        c = self.counts
        self.progress.update(self.tasks["execute"], advance=1, detail=f"{c['ran']} ran · {c['cached']} cached · {c['failed']} failed")
        if self.verbose:
            note = result.error if not result.ok else ("from cache" if result.cached else f"{result.duration_s:.1f} s")
            self.progress.console.log(f"{result.name}: {kind} ({note})")

    def stage_done(self, name, detail):
        task = self.tasks[name]
        total = self.progress.tasks[task].total
        self.progress.update(task, completed=total, detail=detail)

    def note(self, message):
        if self.verbose:
            self.progress.console.print(message, markup=False, highlight=False, soft_wrap=True)


@app.command()
def build(
    inputs: Optional[Path] = typer.Option(None, help=INPUTS_HELP),
    outputs: Path = typer.Option(Path("outputs"), help=OUTPUTS_HELP),
    edition: Optional[Edition] = typer.Option(None, help=EDITION_HELP),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Notebooks run at once on this machine [default: the number of cores]."),
    scheduler: Optional[str] = typer.Option(None, help="Run the notebooks on a Dask distributed cluster at this address (tcp://host:port) instead."),
    only: Optional[str] = typer.Option(None, help="Run a subset, e.g. 'mineral=rare-earths,member=JPN,overview'; other chapters come from the cache or are left out."),
    force: bool = typer.Option(False, "--force", help="Execute every notebook again, ignoring the cache."),
    renderer: Renderer = typer.Option(Renderer.auto, help="auto (Quarto when on the PATH), quarto, or pandoc (built in)."),
    to: str = typer.Option("html,pdf", "--to", help="Formats to render: html, pdf, or both."),
    server: bool = typer.Option(True, "--server/--no-server", envvar="REVIEW_SERVER", help="Use the warm server that keeps the libraries imported between builds (started after a build; env REVIEW_SERVER=off)."),
    sign_key: Optional[Path] = typer.Option(None, "--sign-key", envvar="REVIEW_SIGN_KEY", help="Sign the manifest with this Ed25519 private key (OUT/manifest.sig; make one with `review keygen`)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars; errors and the final paths only."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="A line per notebook, and tracebacks of tool failures."),
) -> None:
    """Build the review: validate, compute indicators, execute the notebooks, assemble and render the report.

    Everything goes to OUTPUTS/<cycle>/<edition>/ and replaces the previous build only when
    complete. Unchanged stages and notebooks are reused (see the summary). Exit code 0 on
    success, 2 when the inputs are invalid, 1 when a notebook or the tool fails.
    """
    from review.build import BuildLocked, BuildRequest, JobsFailed
    from review.build import build as run_build
    from review.jobs import parse_only
    from review.paths import default_inputs

    formats = tuple(f.strip() for f in to.split(",") if f.strip())
    with exits(verbose):
        if not formats or set(formats) - {"html", "pdf"}:
            raise ValueError(f"--to takes html, pdf or html,pdf (got {to!r})")
        inputs = inputs or default_inputs()
        _config_or_report(inputs)
        request = BuildRequest(
            inputs=inputs, outputs=outputs, edition=edition.value if edition else None, workers=jobs, scheduler=scheduler,
            only=parse_only(only) if only else None, force=force, renderer=renderer.value, formats=formats, server=server, sign_key=sign_key,
        )
        try:
            with RichReporter(quiet, verbose) as reporter:
                outcome = run_build(request, reporter)
        except JobsFailed as exc:
            err.print(f"[bold red]{exc}[/]; the previous outputs are unchanged. Partial notebooks: {exc.kept}", highlight=False)
            for r in exc.failed:
                err.print(f"  {r.name}: {r.error}", markup=False, highlight=False)
            raise typer.Exit(EXIT_FAILED)
        except BuildLocked as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False)
            raise typer.Exit(EXIT_FAILED)
        ran = sum(not r.cached for r in outcome.results)
        reused = len(outcome.results) - ran
        err.print(
            f"Built {outcome.out} in {outcome.seconds:.1f} s: {ran} notebook{'s' if ran != 1 else ''} executed, {reused} reused from the cache"
            + ("; inputs unchanged, validation skipped" if outcome.snapshot_reused else "")
            + ("; report unchanged" if outcome.render_reused else "")
            + (f"; left out (not in the cache): {', '.join(outcome.omitted)}" if outcome.omitted else "")
            + ".",
            highlight=False,
        )
        _print_warnings(outcome.out / "validated")
        for path in outcome.report:
            if path.suffix in (".html", ".pdf") and path.parent.name == "report":
                console.print(str(path), highlight=False)


@app.command()
def verify(
    out: Path = typer.Argument(..., help="An output folder of one build: OUTPUTS/<cycle>/<edition>."),
    public_key: Optional[Path] = typer.Option(None, "--public-key", help="Also check the manifest's signature (OUT/manifest.sig) with this Ed25519 public key."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks of tool failures."),
) -> None:
    """Check every file of a build against the SHA-256 in its manifest, and the manifest's signature.

    Lists missing, altered and added files (the audit/ folder that `review reproduce`
    writes is not part of the build). With --public-key, the signature must hold: the only
    check that a consistent rewrite of the manifest cannot pass. Without it, compare the
    printed hashes with the ones the publisher gave elsewhere. Exit code 0 only when the
    folder is intact (and, with --public-key, signed by that key).
    """
    from review.audit import verify as run_verify

    with exits(verbose):
        result = run_verify(out, public_key)
        for label, files in (("missing", result.missing), ("altered", result.altered), ("added", result.added)):
            for f in files:
                err.print(f"[bold red]{label}:[/] {escape(f)}", highlight=False)
        if not result.manifest_consistent:
            err.print("[bold red]manifest:[/] its job hashes or content hash do not match its own entries", highlight=False)
        if result.signature_problem:
            err.print(f"[bold red]signature:[/] {escape(result.signature_problem)}", highlight=False)
        typer.echo(f"Content hash (the report prints it): {result.content_sha256}")
        typer.echo(f"manifest.json SHA-256 (covers every file): {result.manifest_sha256}")
        if result.signature_checked and not result.signature_problem:
            typer.echo(f"Signature: valid, by the key in {public_key}.")
        elif not result.signature_checked:
            typer.echo("Signature: " + ("present (manifest.sig); check it with --public-key." if result.signed else "none; compare the hashes above with the ones published with the report."))
        if result.intact:
            typer.echo(f"Intact: all {result.checked} files match the manifest.")
            return
        err.print(f"Not intact: {len(result.missing)} missing, {len(result.altered)} altered, {len(result.added)} added of {result.checked} listed files.")
        raise typer.Exit(EXIT_FAILED)


@app.command()
def reproduce(
    out: Path = typer.Argument(..., help="An output folder of one build: OUTPUTS/<cycle>/<edition>."),
    notebook: Optional[list[str]] = typer.Option(None, "--notebook", "-n", help="Re-run only this notebook (e.g. mineral-rare-earths); repeat for more [default: all]."),
    images: bool = typer.Option(False, "--images", help="Also compare the figure images (PNG bytes)."),
    public_key: Optional[Path] = typer.Option(None, "--public-key", help="Refuse the folder unless the manifest's signature holds for this Ed25519 public key."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every check, not only the differences."),
) -> None:
    """Re-execute this package's notebooks with the build's parameters through plain Papermill and compare.

    Verifies the folder first and refuses one that is not intact, without running anything
    from it. Runs the package's own notebooks (never code from the folder; a difference
    between the two is reported), with fresh kernels, on the folder's snapshot. Compares
    every recorded value (floats within a relative 1e-9) and every figure's data (SHA-256,
    with the differing rows), writes OUT/audit/audit.json and audit.html, and prints a
    table. Exit code 0 when everything reproduces, 1 otherwise.
    """
    from review.audit import reproduce as run_reproduce
    from review.audit import write_report

    with exits(verbose):
        result = run_reproduce(out, notebook or None, images, progress=lambda name: err.print(f"  re-ran {name}", highlight=False), public_key=public_key)
        for warning in result.warnings:
            err.print(f"[yellow]warning:[/] {warning}", highlight=False)
        table = Table(title="Reproduction")
        for col in ("notebook", "item", "result", "detail"):
            table.add_column(col)
        shown = [c for c in result.checks if verbose or not c.ok]
        for c in shown:
            table.add_row(escape(c.notebook), escape(c.item), "[green]match[/]" if c.ok else "[bold red]differs[/]", escape(c.detail))
        by_notebook: dict[str, list] = {}
        for c in result.checks:
            by_notebook.setdefault(c.notebook, []).append(c.ok)
        if not verbose:
            for name, oks in by_notebook.items():
                if all(oks):
                    table.add_row(name, f"{len(oks)} checks", "[green]match[/]", "")
        console.print(table)
        json_path, html_path = write_report(out, result)
        failed = sum(not c.ok for c in result.checks)
        typer.echo(f"{'Reproduced' if result.ok else 'Not reproduced'}: {len(result.checks) - failed} of {len(result.checks)} checks match. Audit report: {html_path}")
        if not result.ok:
            raise typer.Exit(EXIT_FAILED)


@app.command()
def keygen(
    private_key: Path = typer.Argument(..., help="Where to write the private key (PEM); the public key goes to PRIVATE_KEY.pub."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks of tool failures."),
) -> None:
    """Make an Ed25519 key pair for signing manifests (`review build --sign-key`).

    Keep the private key secret (it is written readable by you only); publish the public
    key where auditors find it independently of the output folder. Never overwrites a file.
    """
    from review.signing import fingerprint, keygen as make_keys, load_public_key

    with exits(verbose):
        private_path, public_path = make_keys(private_key)
        typer.echo(f"Private key: {private_path} (keep it secret; build with --sign-key {private_path})")
        typer.echo(f"Public key:  {public_path} (publish it; verify with --public-key {public_path}); fingerprint {fingerprint(load_public_key(public_path))}")


class ServerAction(str, Enum):
    status = "status"
    stop = "stop"


@app.command("server")
def server_command(action: ServerAction = typer.Argument(ServerAction.status, help="status or stop.")) -> None:
    """Show or stop the warm server that `review build` uses between builds.

    The server keeps pandas, seaborn, Jupyter and Great Expectations imported so a rebuild
    does not pay for them; every request is a fresh forked process. It exits by itself
    after 30 minutes without builds.
    """
    from review import server as warm_server

    if action is ServerAction.stop:
        typer.echo("stopped" if warm_server.stop() else "no server was running")
    else:
        typer.echo(warm_server.status())


@app.command("new-cycle")
def new_cycle(
    year: int = typer.Argument(..., help="The new review cycle, e.g. 2027."),
    source: Optional[Path] = typer.Option(None, "--from", help="The inputs to roll forward [default: ./inputs, else the shipped sample]."),
    to: Optional[Path] = typer.Option(None, "--to", help="The new inputs folder [default: inputs-<YEAR> beside --from]."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks of tool failures."),
) -> None:
    """Start next year's review: write a new inputs folder from this year's.

    Carries over the reference tables and the history, sets `cycle` and `previous_cycle`
    in review.yml, carries every project forward as an `as_of = YEAR` row with its last
    status, adds header-only files for the year's new rows (dependency-YEAR.csv,
    production-YEAR.csv, stockpiles-YEAR.csv, recycling-YEAR.csv; a table's parts are read
    as one table) and a CHECKLIST.md of what to fill in. Never overwrites a folder.
    """
    from review.cycles import new_cycle as roll
    from review.paths import default_inputs

    with exits(verbose):
        source = source or default_inputs()
        dest = to or Path(source).resolve().parent / f"inputs-{year}"
        done = roll(year, source, dest)
        typer.echo(f"Wrote {dest}: {done['projects']} projects carried forward, templates {', '.join(done['templates'])}. Next: {dest / 'CHECKLIST.md'}")


class CompareFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


@app.command()
def compare(
    before: Path = typer.Argument(..., help="The earlier build's output folder, e.g. outputs/2026/public."),
    after: Path = typer.Argument(..., help="The later build's output folder, e.g. outputs/2027/public."),
    format: CompareFormat = typer.Option(CompareFormat.table, "--format", "-f", help="table, csv, json or markdown."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show tracebacks of tool failures."),
) -> None:
    """What changed between two reviews: every target whose value or status moved, and every indicator that changed.

    Targets are compared on their assessed value and status in each review (new and
    retired targets included); indicators on the same indicator, mineral, stage, scope and
    year in both tables (revised data show up here). csv and json print both lists with a
    `section` field; table and markdown print them as two tables.
    """
    import json as json_mod

    import pandas as pd

    from review.cycles import compare_indicators, compare_scorecards, review_tables
    from review.indicators import scorecard
    from review.markdown import pipe_table
    from review.text import format_value, target_label, unit_of

    with exits(verbose):
        manifest_a, table_a, targets_a = review_tables(before)
        manifest_b, table_b, targets_b = review_tables(after)
        targets = compare_scorecards(scorecard(table_a, targets_a), scorecard(table_b, targets_b))
        changed, added, removed = compare_indicators(table_a, table_b)
        moved = targets[targets["movement"] != "unchanged"]
        label_a, label_b = f"{manifest_a['cycle']} {manifest_a['edition']}", f"{manifest_b['cycle']} {manifest_b['edition']}"
        if format in (CompareFormat.csv, CompareFormat.json):
            combined = pd.concat([targets.assign(section="targets"), changed.assign(section="indicators")], ignore_index=True)
            if format is CompareFormat.csv:
                from review.text import spreadsheet_safe

                sys.stdout.write(spreadsheet_safe(combined).to_csv(index=False, lineterminator="\n"))
            else:
                sys.stdout.write(json_mod.dumps({"before": label_a, "after": label_b, "targets": json_mod.loads(targets.to_json(orient="records")), "indicators": json_mod.loads(changed.to_json(orient="records")), "indicators_added": added, "indicators_removed": removed}, indent=1) + "\n")
            return
        target_rows = [
            [target_label(r), format_value(r.value_before, unit_of(r.indicator)), r.status_before, format_value(r.value_now, unit_of(r.indicator)), r.status_now,
             format_value(r.change, unit_of(r.indicator), signed=True), r.movement]
            for r in targets.itertuples(index=False)
        ]
        indicator_rows = [
            [r.indicator, r.mineral, r.stage, r.scope, str(r.year), format_value(r.value_before, r.unit), format_value(r.value_now, r.unit),
             format_value(r.change, r.unit, signed=True), f"{r.status_before} -> {r.status_now}" if r.status_before != r.status_now else ""]
            for r in changed.itertuples(index=False)
        ]
        target_cols = ["Target", label_a, "Status", label_b, "Status ", "Change", "Movement"]
        indicator_cols = ["Indicator", "Mineral", "Stage", "Scope", "Year", label_a, label_b, "Change", "Status"]
        summary = f"{len(moved)} of {len(targets)} targets moved; {len(changed)} indicator values changed; {added} added and {removed} removed (new or dropped years, minerals, members)."
        if format is CompareFormat.markdown:
            typer.echo(f"## Targets: {label_a} and {label_b}\n\n{pipe_table(target_cols, target_rows, mark=False)}\n\n## Indicators that changed\n\n{pipe_table(indicator_cols, indicator_rows, mark=False)}\n\n{summary}")
            return
        for title, cols, rows in ((f"Targets: {label_a} and {label_b}", target_cols, target_rows), ("Indicators that changed", indicator_cols, indicator_rows)):
            view = Table(title=title)
            for col in cols:
                view.add_column(col)
            for row in rows:
                view.add_row(*row)
            console.print(view)
        console.print(summary)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
