"""The `review` command: validate, compute indicators, build, audit and roll cycles forward.

Each command documents itself (`review COMMAND --help`) and exits 0 on success, 2 when
the inputs are invalid (with a report naming file, row, column, rule and value), and 1
on any other failure, printed as one line unless `--verbose` is given.
"""

from __future__ import annotations

import errno
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
    rich_markup_mode=None,  # click's plain help: paragraphs reflowed to the terminal, flags without a type
)
console = Console()  # the terminal's width, else $COLUMNS, else 80
err = Console(stderr=True)

#: C0 and C1 control characters (tab and newline aside) and DEL: a terminal acts on them
#: (ESC starts sequences that clear the screen or, OSC 52, write the clipboard).
CONTROLS = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)])


def plain(value) -> str:
    """Text from data (inputs, a received outputs folder, an error about them) as the terminal may show it."""
    return str(value).translate(CONTROLS)


def shown(value) -> str:
    """`plain`, and escaped for Rich: a name like "Lithium [/bold]" is printed as typed, never read as markup."""
    return escape(plain(value))

EXIT_INVALID = 2
EXIT_FAILED = 1


class Edition(str, Enum):
    public = "public"
    restricted = "restricted"


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


# Defaults computed at run time are written the way click writes the others: "  [default: ...]".
INPUTS_HELP = "The cycle's inputs folder.  [default: ./inputs, else the sample shipped with the package]"
OUTPUTS_HELP = "Where builds are written: OUTPUTS/<cycle>/<edition>/."
EDITION_HELP = "public (confidential values withheld) or restricted.  [default: edition in review.yml, else public]"
VERBOSE_HELP = "Show tracebacks of tool failures."


def print_problems(problems) -> None:
    from review.inputs.problems import report_lines

    files = len({p.file for p in problems})
    err.print(f"[bold red]The inputs are not valid:[/] {len(problems)} problem{'s' if len(problems) != 1 else ''} in {files} file{'s' if files != 1 else ''}.")
    for line in report_lines(problems):
        err.print(plain(line), markup=False, highlight=False, soft_wrap=True)
    err.print("Nothing was written; earlier outputs are unchanged. Fix the rows above and run again.")


@contextmanager
def exits(verbose: bool = False):
    """Turn known failures into their exit codes and one readable line."""
    from review.build.validated import InvalidInputs

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
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:  # said plainly, wherever it happened
            err.print(f"[bold red]error:[/] the disk is full (writing {shown(exc.filename or 'a file')}); earlier outputs are unchanged. Free some space and run again.", highlight=False, soft_wrap=True)
        else:
            err.print(f"[bold red]error:[/] {shown(exc)}", highlight=False, soft_wrap=True)  # its text is data, not Rich markup
        raise typer.Exit(EXIT_FAILED)


def _inputs_folder(inputs: Path, option: str = "--inputs") -> None:
    """A missing inputs folder is one problem, said in one line (not one per table file)."""
    if not Path(inputs).is_dir():
        err.print(f"[bold red]error:[/] {option} {shown(inputs)}: the folder does not exist", highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_INVALID)


def _config_or_report(inputs: Path):
    """The cycle's settings; when review.yml is invalid, report every problem of the inputs at once."""
    from review.build.validated import InvalidInputs
    from review.inputs.config import ConfigError, load_config

    _inputs_folder(inputs)
    try:
        return load_config(inputs)
    except ConfigError:
        from review.inputs.validation import validate as run_validation

        raise InvalidInputs(run_validation(inputs).problems)


def _print_warnings(snapshot_dir: Path) -> None:
    """Warnings about valid but doubtful inputs (not errors: a draft must build), as the
    snapshot recorded them (review.build.validated.snapshot_warnings)."""
    import json

    from review.build.validated import WARNINGS_FILE
    from review.inputs import snapshot

    config = snapshot.read_config(snapshot_dir)
    found = json.loads((Path(snapshot_dir) / WARNINGS_FILE).read_text())
    provisional = found["provisional"]
    if provisional:
        err.print(
            f"[yellow]warning:[/] {len(provisional)} Alliance figure{'s are' if len(provisional) != 1 else ' is'} provisional: the members that reported "
            f"held less than {config.coverage_threshold:.0%} of the previous year's volume (coverage_threshold in review.yml). "
            "They are shown, but not assessed against their targets:",
            highlight=False,
            soft_wrap=True,
        )
        for line in provisional:
            err.print(f"  {plain(line)}", markup=False, highlight=False, soft_wrap=True)
    for line in found["projects"]:
        err.print(f"[yellow]warning:[/] {shown(line)}", highlight=False, soft_wrap=True)


@app.command()
def validate(
    inputs: Optional[Path] = typer.Option(None, metavar="DIR", help=INPUTS_HELP),
    outputs: Path = typer.Option(Path("outputs"), metavar="DIR", help=OUTPUTS_HELP),
    edition: Optional[Edition] = typer.Option(None, help=EDITION_HELP),
    verbose: bool = typer.Option(False, "--verbose", "-v", help=VERBOSE_HELP),
) -> None:
    """Validate a cycle's inputs and write the validated snapshot.

    On success the snapshot goes to OUT/validated/, unless OUT holds a finished build:
    that build's snapshot is left as it is (its manifest vouches for it), and the next
    build makes the new one (reusing what validation learnt).
    Exit code 0 when valid, 2 when the data is invalid (each problem names file, row,
    column, rule and value), 1 on any other failure.
    """
    import tempfile

    from review.build.validated import finished_build, previous_review_dir, write_snapshot_in_place
    from review.inputs.paths import cache_dir, default_inputs, out_dir

    with exits(verbose), tempfile.TemporaryDirectory(prefix="review-validate-") as scratch:
        inputs = inputs or default_inputs()
        started = time.perf_counter()
        config = _config_or_report(inputs)
        chosen = edition.value if edition else config.edition
        out = out_dir(outputs, config.cycle, chosen)
        finished = finished_build(out)
        final = Path(scratch) / "validated" if finished else out / "validated"
        previous = previous_review_dir(inputs, outputs, config, chosen)
        result = write_snapshot_in_place(inputs, final, chosen, previous=previous, passed=cache_dir(outputs) / "validation")
        table = Table(title=f"Validated cycle {config.cycle} ({chosen} edition)")
        table.add_column("table")
        table.add_column("rows", justify="right")
        for name, rows in sorted(result.rows.items()):
            if name in ("indicators", "stockpile_totals", "recycling_totals", "previous_scorecard", "previous_chances"):
                continue  # derived, not input tables
            table.add_row(name, f"{rows:,}")
        console.print(table)
        where = f"{out} holds a finished build, left as it is; the next build writes the new snapshot" if finished else f"Snapshot: {final}"
        console.print(f"All rules passed in {time.perf_counter() - started:.1f} s. {shown(where)}", highlight=False)
        _print_warnings(final)


@app.command()
def indicators(
    inputs: Optional[Path] = typer.Option(None, metavar="DIR", help=INPUTS_HELP),
    format: Format = typer.Option(Format.table, "--format", "-f", help="table (the scorecard, for reading), csv or json (every indicator)."),
    edition: Optional[Edition] = typer.Option(None, help=EDITION_HELP),
    outputs: Path = typer.Option(Path("outputs"), metavar="DIR", help=OUTPUTS_HELP),
    verbose: bool = typer.Option(False, "--verbose", "-v", help=VERBOSE_HELP),
) -> None:
    """Print a cycle's indicators, without building the report.

    `table` prints the scorecard of every target; `csv` and `json` print the whole tidy
    table (indicator, mineral, stage, scope, year, value, unit, status, detail). Nothing
    is built: after `review validate` of the same inputs (OUT/validated/, or a build's)
    the indicators are read from that snapshot; otherwise only the tables changed since
    a validation into OUTPUTS are checked again.
    """
    import tempfile

    import pandas as pd

    from review.analysis.indicators import scorecard
    from review.analysis.narrative import status_word
    from review.analysis.text import format_with_unit, indicator_name, unit_of
    from review.build.validated import make_snapshot, previous_review_dir
    from review.inputs import snapshot
    from review.inputs.paths import cache_dir, default_inputs, out_dir
    from review.report.views import displayed_change

    with exits(verbose):
        inputs = inputs or default_inputs()
        config = _config_or_report(inputs)
        chosen = edition.value if edition else config.edition
        # the snapshot `review validate` (or a build) made of the same inputs, edition, code and previous review
        validated = out_dir(outputs, config.cycle, chosen) / "validated"
        previous = previous_review_dir(inputs, outputs, config, chosen)
        with tempfile.TemporaryDirectory() as tmp:
            result = make_snapshot(inputs, Path(tmp), chosen, reuse_from=validated, previous=previous, passed=cache_dir(outputs) / "validation")
            tables = {name: snapshot.read_table(result.path, name) for name in result.meta["tables"]}
            config = snapshot.read_config(result.path)
            _print_warnings(result.path)
        table = tables["indicators"]
        if format is Format.csv:
            from review.analysis.text import spreadsheet_safe

            sys.stdout.write(spreadsheet_safe(table).to_csv(index=False, lineterminator="\n"))
        elif format is Format.json:
            sys.stdout.write(table.to_json(orient="records", indent=1) + "\n")
        else:
            from rich import box

            from review.audit.compare import Names

            card = scorecard(table, tables["targets"])
            names = Names.from_tables(tables)
            console.print(f"Scorecard, cycle {config.cycle} ({result.meta['edition']} edition)", highlight=False)
            for (indicator, kind), rows in card.groupby(["indicator", "kind"], sort=False):
                unit = unit_of(indicator)
                # one narrow table per indicator and kind: name, unit and kind in the title, a target's mineral and goal in a row
                view = Table(title=f"{indicator_name(indicator).capitalize()} ({UNIT_TITLES.get(unit, unit)}): {kind}s", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
                for col in ("Mineral", "Goal", "Year", "Value", "Path", "Status", "Change", "Before"):
                    view.add_column(col, justify="right" if col in ("Year", "Value", "Path", "Change") else "left", no_wrap=col not in ("Mineral", "Goal"), min_width=11 if col == "Mineral" else None)
                for r in rows.itertuples(index=False):
                    goal = f"{'≤' if r.comparator == 'max' else '≥'} {format_with_unit(r.target, unit)} by {r.target_year}"
                    cells = (
                        f"{names.mineral(r.mineral)} {r.stage}".strip(), goal, "" if pd.isna(r.year) else str(r.year), format_with_unit(r.value, unit), format_with_unit(r.path, unit),
                        status_word(r.status), displayed_change(r.value, r.previous_value, unit), status_word(r.previous_status),
                    )
                    view.add_row(*map(shown, cells))
                console.print(view)
            console.print(f"{len(table):,} indicator values; `--format csv` prints them all.")


#: How the scorecard's titles name each unit.
UNIT_TITLES = {"share": "%", "days": "days of consumption"}


class Renderer(str, Enum):
    auto = "auto"
    quarto = "quarto"
    pandoc = "pandoc"


STAGES = {"validate": "Validate inputs", "execute": "Execute notebooks", "assemble": "Assemble the book", "render": "Render the report"}


class RichReporter:
    """Progress bars per stage: jobs done, reused from the cache and failed."""

    def __init__(self, quiet: bool, verbose: bool, console: Console = err):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
        from rich.table import Column

        self.verbose = verbose
        # one line per stage at 80 columns: 46 for the name, bar, counts and time, the rest for a short detail
        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓[/]"),
            TextColumn("{task.description:<18}"),
            BarColumn(bar_width=10),
            MofNCompleteColumn(),
            TimeElapsedColumn(table_column=Column(no_wrap=True, min_width=7)),
            TextColumn("{task.fields[detail]}", table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis")),
            console=console,
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
            self.progress.console.log(shown(f"{result.name}: {kind} ({note})"))

    def stage_done(self, name, detail):
        task = self.tasks[name]
        total = self.progress.tasks[task].total
        self.progress.update(task, completed=total, detail=detail)

    def note(self, message):
        if self.verbose:
            self.progress.console.print(plain(message), markup=False, highlight=False, soft_wrap=True)


@app.command()
def build(
    inputs: Optional[Path] = typer.Option(None, metavar="DIR", help=INPUTS_HELP),
    outputs: Path = typer.Option(Path("outputs"), metavar="DIR", help=OUTPUTS_HELP),
    edition: Optional[Edition] = typer.Option(None, help=EDITION_HELP),
    previous: Optional[Path] = typer.Option(
        None, metavar="OUT", help="The previous review's output folder, compared with in \"since the last review\".  [default: previous_outputs in review.yml, else OUTPUTS/<previous_cycle>/<edition>]"
    ),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, metavar="N", help="Notebooks run at once on this machine.  [default: the number of cores]"),
    scheduler: Optional[str] = typer.Option(None, metavar="ADDRESS", help="Run the notebooks on a Dask distributed cluster at this address (tcp://host:port) instead."),
    only: Optional[str] = typer.Option(None, metavar="CHAPTERS", help="Run only these chapters (see the examples); the others come from the cache or are left out."),
    force: bool = typer.Option(False, "--force", help="Execute every notebook again, ignoring the cache."),
    renderer: Renderer = typer.Option(Renderer.auto, envvar="REVIEW_RENDERER", help="auto (Quarto when on the PATH), quarto, or pandoc (built in); REVIEW_RENDERER sets the default."),
    to: str = typer.Option("html,pdf", "--to", metavar="FORMATS", help="Formats to render: html, pdf, or both."),
    server: bool = typer.Option(
        True, "--server/--no-server", envvar="REVIEW_SERVER", show_default=False,
        help="Use the warm server that keeps the libraries imported between builds; a build starts it, and it stops after 30 minutes without builds (review server stop).  [default: --server; REVIEW_SERVER=off turns it off]",
    ),
    sign_key: Optional[Path] = typer.Option(None, "--sign-key", envvar="REVIEW_SIGN_KEY", metavar="FILE", help="Sign the manifest with this Ed25519 private key (OUT/manifest.sig; make one with `review keygen`)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars; errors and the final paths only."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="A line per notebook, and tracebacks of tool failures."),
) -> None:
    """Build the review report (HTML and PDF) of a cycle.

    Validates, computes the indicators, executes the notebooks, assembles the book and
    renders it.
    Everything goes to OUTPUTS/<cycle>/<edition>/ and replaces the previous build only when
    complete. Unchanged stages and notebooks are reused (see the summary). Exit code 0 on
    success, 2 when the inputs are invalid, 1 when a notebook or the tool fails.

    \b
    Examples:
      review build --inputs inputs-2027 --edition restricted
      review build --only mineral=rare-earths,member=JPN,overview
      review build --inputs inputs-2027 --outputs drafts \\
                   --previous outputs/2026/public
    """
    from review.build.pipeline import BuildLocked, BuildRequest, JobsFailed
    from review.build.pipeline import build as run_build
    from review.engine.jobs import parse_only
    from review.inputs.paths import default_inputs

    formats = tuple(f.strip() for f in to.split(",") if f.strip())
    with exits(verbose):
        if not formats or set(formats) - {"html", "pdf"}:
            raise ValueError(f"--to takes html, pdf or html,pdf (got {to!r})")
        inputs = inputs or default_inputs()
        _config_or_report(inputs)
        request = BuildRequest(
            inputs=inputs, outputs=outputs, edition=edition.value if edition else None, workers=jobs, scheduler=scheduler,
            only=parse_only(only) if only else None, force=force, renderer=renderer.value, formats=formats, server=server, previous=previous, sign_key=sign_key,
        )
        try:
            with RichReporter(quiet, verbose) as reporter:
                outcome = run_build(request, reporter)
        except JobsFailed as exc:
            err.print(f"[bold red]{exc}[/]; the previous outputs are unchanged. Partial notebooks: {shown(exc.kept)}", highlight=False)
            for r in exc.failed:
                err.print(plain(f"  {r.name}: {r.error}"), markup=False, highlight=False)
            raise typer.Exit(EXIT_FAILED)
        except BuildLocked as exc:
            err.print(f"[bold red]error:[/] {shown(exc)}", highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_FAILED)
        ran = sum(not r.cached for r in outcome.results)
        reused = len(outcome.results) - ran
        unchanged = [what for what, same in (("inputs (validation skipped)", outcome.snapshot_reused), ("report", outcome.render_reused)) if same]
        lines = [f"Built {outcome.out} in {outcome.seconds:.1f} s.", f"  notebooks: {ran} executed, {reused} reused from the cache"]
        lines += [f"  unchanged: {', '.join(unchanged)}"] if unchanged else []
        rendered = _rendered_with(outcome.out)
        lines += [f"  rendered with {rendered}"] if rendered else []
        lines += [f"  left out (not in the cache): {', '.join(outcome.omitted)}"] if outcome.omitted else []
        for line in lines:  # short lines: they read the same at 80 columns
            err.print(plain(line), markup=False, highlight=False)
        _print_warnings(outcome.out / "validated")
        for path in outcome.report:
            if path.suffix in (".html", ".pdf") and path.parent.name == "report":
                console.print(shown(path), highlight=False, soft_wrap=True)


@app.command()
def verify(
    out: Path = typer.Argument(..., metavar="OUT", help="An output folder of one build: OUTPUTS/<cycle>/<edition>."),
    public_key: Optional[Path] = typer.Option(None, "--public-key", metavar="FILE", help="Also check the manifest's signature (OUT/manifest.sig) with this Ed25519 public key."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help=VERBOSE_HELP),
) -> None:
    """Check a build's files and signature against its manifest.

    Lists missing, altered and added files (the audit/ folder that `review reproduce`
    writes is not part of the build). With --public-key, the signature must hold: the only
    check that a consistent rewrite of the manifest cannot pass. Without it, compare the
    printed hashes with the ones the publisher gave elsewhere. Exit code 0 only when the
    folder is intact (and, with --public-key, signed by that key).
    """
    from review.audit.verify import verify as run_verify

    with exits(verbose):
        result = run_verify(out, public_key)
        for label, files in (("missing", result.missing), ("altered", result.altered), ("added", result.added)):
            for f in files:
                err.print(f"[bold red]{label}:[/] {shown(f)}", highlight=False)
        if not result.manifest_consistent:
            err.print("[bold red]manifest:[/] its job hashes or content hash do not match its own entries", highlight=False)
        if result.signature_problem:
            err.print(f"[bold red]signature:[/] {shown(result.signature_problem)}", highlight=False)
        typer.echo(plain(f"Content hash (the report prints it): {result.content_sha256}"))
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
    out: Path = typer.Argument(..., metavar="OUT", help="An output folder of one build: OUTPUTS/<cycle>/<edition>."),
    notebook: Optional[list[str]] = typer.Option(None, "--notebook", "-n", metavar="NAME", help="Re-run only this notebook (e.g. mineral-rare-earths); repeat for more.  [default: all]"),
    images: bool = typer.Option(False, "--images", help="Also compare the figure images (PNG bytes)."),
    public_key: Optional[Path] = typer.Option(None, "--public-key", help="Refuse the folder unless the manifest's signature holds for this Ed25519 public key."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="List every check, not only the differences."),
) -> None:
    """Re-run a build's notebooks and compare every value.

    Verifies the folder first and refuses one that is not intact, without running anything
    from it. Re-executes this package's own notebooks with the build's parameters through
    plain Papermill (never code from the folder; a difference between the two is
    reported), with fresh kernels, on the folder's snapshot. Compares every recorded value
    (floats within a relative 1e-9) and every figure's data (SHA-256, with the differing
    rows), writes OUT/audit/audit.json and audit.html, and prints a table. Exit code 0 when
    everything reproduces, 1 otherwise.
    """
    from review.audit.reproduce import reproduce as run_reproduce
    from review.audit.reproduce import write_report

    with exits(verbose):
        result = run_reproduce(out, notebook or None, images, progress=lambda name: err.print(f"  re-ran {shown(name)}", highlight=False), public_key=public_key)
        for warning in result.warnings:
            err.print(f"[yellow]warning:[/] {shown(warning)}", highlight=False)
        table = Table(title="Reproduction")
        for col in ("notebook", "item", "result", "detail"):
            table.add_column(col)
        listed = [c for c in result.checks if verbose or not c.ok]
        for c in listed:
            table.add_row(shown(c.notebook), shown(c.item), "[green]match[/]" if c.ok else "[bold red]differs[/]", shown(c.detail))
        by_notebook: dict[str, list] = {}
        for c in result.checks:
            by_notebook.setdefault(c.notebook, []).append(c.ok)
        if not verbose:
            for name, oks in by_notebook.items():
                if all(oks):
                    table.add_row(shown(name), f"{len(oks)} checks", "[green]match[/]", "")
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
    """Make an Ed25519 key pair for signing manifests.

    The private key is for `review build --sign-key`. Keep it secret (it is written readable by you only); publish the public
    key where auditors find it independently of the output folder. Never overwrites a file.
    """
    from review.audit.signing import fingerprint, load_public_key
    from review.audit.signing import keygen as make_keys

    with exits(verbose):
        private_path, public_path = make_keys(private_key)
        typer.echo(f"Private key: {private_path} (keep it secret; build with --sign-key {private_path})")
        typer.echo(f"Public key:  {public_path} (publish it; verify with --public-key {public_path}); fingerprint {fingerprint(load_public_key(public_path))}")


class ServerAction(str, Enum):
    status = "status"
    stop = "stop"


@app.command("server")
def server_command(action: ServerAction = typer.Argument(ServerAction.status, metavar="ACTION", help="status or stop.")) -> None:
    """Show or stop the warm server that builds use.

    The server keeps pandas, seaborn, Jupyter and Great Expectations imported so a rebuild
    does not pay for them; every request is a fresh forked process. It exits by itself
    after 30 minutes without builds.
    """
    from review.build import server as warm_server

    with exits():  # a runtime folder another user could use is refused in one line
        if action is ServerAction.stop:
            typer.echo("stopped" if warm_server.stop() else "no server was running")
        else:
            typer.echo(warm_server.status())


@app.command("new-cycle")
def new_cycle(
    year: int = typer.Argument(..., metavar="YEAR", help="The new review cycle, e.g. 2027."),
    source: Optional[Path] = typer.Option(None, "--from", metavar="DIR", help="The inputs to roll forward.  [default: ./inputs, else the sample shipped with the package]"),
    to: Optional[Path] = typer.Option(None, "--to", metavar="DIR", help="The new inputs folder.  [default: inputs-YEAR beside --from]"),
    outputs: Path = typer.Option(Path("outputs"), metavar="DIR", help="Where the builds go, for the commands the checklist writes."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help=VERBOSE_HELP),
) -> None:
    """Start next year's inputs folder from this year's.

    Carries over the reference tables and the history, sets `cycle` and `previous_cycle`
    in review.yml, carries every project forward as an `as_of = YEAR` row with its last
    status, adds header-only files for the year's new rows (dependency-YEAR.csv,
    production-YEAR.csv, stockpiles-YEAR.csv, recycling-YEAR.csv; a table's parts are read
    as one table) and a CHECKLIST.md of what to fill in. Never overwrites a folder.
    """
    from review.inputs.new_cycle import new_cycle as roll
    from review.inputs.paths import default_inputs

    with exits(verbose):
        source = source or default_inputs()
        _inputs_folder(source, "--from")
        dest = to or Path(source).resolve().parent / f"inputs-{year}"
        done = roll(year, source, dest, outputs)
        overdue = f" ({len(done['overdue'])} expected online before {year}, not operating)" if done["overdue"] else ""
        typer.echo(f"Wrote {dest}: {done['projects']} projects carried forward{overdue}, templates {', '.join(done['templates'])}. Next: {dest / 'CHECKLIST.md'}")


class CompareFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


def _review_label(manifest: dict) -> str:
    return f"{manifest['cycle']} {manifest['edition']}"


def _year(value) -> str:
    import pandas as pd

    return "" if pd.isna(value) else str(int(value))


def _compare_sections(targets, changes, names, everything: bool, chances=None) -> list[tuple[str, list[str], list[list[str]]]]:
    """What `review compare` prints, as (title, columns, rows of display strings) per section.

    `chances` (review.audit.compare.compare_chances) adds the change in each chance of meeting a dependency target.
    """
    from review.analysis.narrative import status_word
    from review.analysis.text import format_with_unit, indicator_name, unit_of
    from review.audit.compare import UNMOVED
    from review.report.views import _target_name, displayed_change

    def then_now(value, status, unit):
        return " ".join(x for x in (format_with_unit(value, unit), status_word(status)) if x)

    def change(now, before, unit):
        """As the report prints it (the printed difference of the printed values), with the unit."""
        return displayed_change(now, before, unit) if unit in ("share", "share_diff", "days") else format_with_unit(now - before, unit, signed=True)

    listed = targets if everything else targets[~targets["movement"].isin(UNMOVED)]
    target_rows = [
        [
            _target_name(r, names), f"{_year(r.year_before) or '–'} → {_year(r.year_now) or '–'}", then_now(r.value_before, r.status_before, unit_of(r.indicator)),
            then_now(r.value_now, r.status_now, unit_of(r.indicator)), change(r.value_now, r.value_before, unit_of(r.indicator)), r.movement,
        ]
        for r in listed.itertuples(index=False)
    ]
    where = ["Indicator", "Mineral", "Stage", "Scope", "Year"]

    def place(r) -> list[str]:
        return [indicator_name(r.indicator), names.mineral(r.mineral), r.stage, names.scope(r.scope), _year(r.year)]

    values = changes.both if everything else changes.changed
    value_rows = [place(r) + [then_now(r.value_before, r.status_before, r.unit), then_now(r.value_now, r.status_now, r.unit), change(r.value_now, r.value_before, r.unit)] for r in values.itertuples(index=False)]
    added = [place(r) + [then_now(r.value, r.status, r.unit)] for r in changes.added.itertuples(index=False)]
    removed = [place(r) + [then_now(r.value, r.status, r.unit)] for r in changes.removed.itertuples(index=False)]
    chance_rows = [
        [names.mineral(r.mineral), r.stage, _year(r.year), r.kind, r.scenario, format_with_unit(r.before, "share"), format_with_unit(r.now, "share"), displayed_change(r.now, r.before, "share") if r.now == r.now and r.before == r.before else ""]
        for r in (chances.itertuples(index=False) if chances is not None else [])
    ]
    return [
        ("Targets" if everything else "Targets that moved", ["Target", "Years", "Then", "Now", "Change", "Movement"], target_rows),
        ("Chance of meeting each dependency target", ["Mineral", "Stage", "Year", "Goal", "Demand", "Then", "Now", "Change"], chance_rows),
        ("Indicator values in both reviews" if everything else "Indicator values that changed", where + ["Then", "Now", "Change"], value_rows),
        ("Indicator values added", where + ["Value"], added),
        ("Indicator values removed", where + ["Value"], removed),
    ]


def _named(frame, names):
    """A comparison table for csv and json: the codes, with the names beside them."""
    from review.analysis.text import indicator_name

    frame = frame.copy()
    frame.insert(frame.columns.get_loc("mineral") + 1, "mineral_name", frame["mineral"].map(names.mineral))
    frame.insert(frame.columns.get_loc("indicator") + 1, "indicator_name", frame["indicator"].map(indicator_name))
    if "scope" in frame:
        frame.insert(frame.columns.get_loc("scope") + 1, "scope_name", frame["scope"].map(names.scope))
    return frame


@app.command()
def compare(
    before: Path = typer.Argument(..., metavar="OUT_A", help="The earlier review's output folder, e.g. outputs/2026/public."),
    after: Path = typer.Argument(..., metavar="OUT_B", help="The later review's output folder, e.g. outputs/2027/public."),
    format: CompareFormat = typer.Option(CompareFormat.table, "--format", "-f", help="table, csv, json or markdown."),
    everything: bool = typer.Option(False, "--all", help="Also list the targets and indicator values that did not change."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help=VERBOSE_HELP),
) -> None:
    """What changed between two reviews.

    Lists the targets whose value or status moved, with the years assessed in each
    review ("no new data" where the year and the value did not move; new and retired
    targets included), the indicator values that changed for the same indicator,
    mineral, stage, scope and year (revised data show up here), and the indicator values
    added or removed (new or dropped years, minerals, members). csv gives each row a
    `section`, json a list per section; both give codes with their names.
    """
    import json as json_mod

    import pandas as pd

    from review.analysis.indicators import scorecard
    from review.audit.compare import UNMOVED, Names, compare_chances, compare_indicators, compare_scorecards, review_tables
    from review.report.markdown import pipe_table

    with exits(verbose):
        manifest_a, table_a, targets_a = review_tables(before)
        manifest_b, table_b, targets_b = review_tables(after)
        names = Names.of(before, after)
        targets = compare_scorecards(scorecard(table_a, targets_a), scorecard(table_b, targets_b))
        changes = compare_indicators(table_a, table_b)
        chances = compare_chances(table_a, table_b)
        moved = targets[~targets["movement"].isin(UNMOVED)]
        summary = (
            f"{len(moved)} of {len(targets)} targets moved; {len(changes.changed)} indicator values changed, "
            f"{len(changes.added)} added and {len(changes.removed)} removed."
        )
        if format in (CompareFormat.csv, CompareFormat.json):
            target_data = _named(targets if everything else moved, names)
            value_data = _named(changes.both if everything else changes.changed, names)
            added, removed = _named(changes.added, names), _named(changes.removed, names)
            if format is CompareFormat.csv:
                from review.analysis.text import spreadsheet_safe

                sections = [target_data.assign(section="targets"), chances.assign(section="chances"), value_data.assign(section="indicators changed" if not everything else "indicators"), added.assign(section="indicators added"), removed.assign(section="indicators removed")]
                combined = pd.concat(sections, ignore_index=True)
                sys.stdout.write(spreadsheet_safe(combined[["section", *[c for c in combined.columns if c != "section"]]]).to_csv(index=False, lineterminator="\n"))
            else:

                def records(frame):
                    return json_mod.loads(frame.to_json(orient="records"))

                def review(manifest):
                    return {"cycle": manifest["cycle"], "edition": manifest["edition"], "manifest_sha256": manifest["content_sha256"]}

                document = {
                    "before": review(manifest_a), "after": review(manifest_b), "all": everything, "summary": summary,
                    "targets": records(target_data), "chances": records(chances), "indicators_changed" if not everything else "indicators": records(value_data),
                    "indicators_added": records(added), "indicators_removed": records(removed),
                }
                sys.stdout.write(json_mod.dumps(document, indent=1) + "\n")
            return
        heading = f"{_review_label(manifest_a)} review and the {_review_label(manifest_b)} review"
        sections = _compare_sections(targets, changes, names, everything, chances)
        if format is CompareFormat.markdown:
            parts = [f"# Changes between the {heading}"]
            for title, cols, rows in sections:
                parts.append(f"## {title}\n\n" + (pipe_table(cols, rows, mark=False) if rows else "None."))
            typer.echo(plain("\n\n".join(parts + [summary])))
            return
        console.print(f"Changes between the {shown(heading)}", highlight=False)
        for title, cols, rows in sections:
            if not rows:
                console.print(f"{title}: none.")
                continue
            view = Table(title=title, title_justify="left")
            for col in cols:
                view.add_column(col, justify="right" if col in ("Year", "Then", "Now", "Change", "Value") else "left")
            for row in rows:
                view.add_row(*map(shown, row))
            console.print(view)
        console.print(summary)


@app.command()
def collect(
    inputs: Optional[Path] = typer.Option(None, metavar="DIR", help=INPUTS_HELP),
    to: Path = typer.Option(..., "--to", metavar="FOLDER", help="Where the workbooks are written (created; an existing workbook is never overwritten)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help=VERBOSE_HELP),
) -> None:
    """Write a workbook per member to send for the year's data.

    Each workbook (<code>-<cycle>.xlsx) has a sheet per table the member reports
    (dependency, stockpiles, recycling, traceability, the projects it sponsors), prefilled
    with its latest rows, drop-down lists for codes, and an Instructions sheet (with the
    deadline from collection.deadline in review.yml). `review ingest` reads them back.
    """
    from review.inputs.collect import collect as write_workbooks
    from review.inputs.paths import default_inputs

    with exits(verbose):
        inputs = inputs or default_inputs()
        _config_or_report(inputs)
        written = write_workbooks(inputs, to)
        typer.echo(f"Wrote {len(written)} workbooks to {to}: {', '.join(p.name for p in written)}")


@app.command()
def ingest(
    files: list[Path] = typer.Argument(..., metavar="FILE", help="Returned workbooks (.xlsx), or CSV files named like a table (with --member)."),
    inputs: Optional[Path] = typer.Option(None, metavar="DIR", help=INPUTS_HELP),
    member: Optional[str] = typer.Option(None, metavar="CODE", help="The member who sent the files: required for CSV files; for workbooks, refuse any other member's."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help=VERBOSE_HELP),
) -> None:
    """Check members' returns and merge them into the inputs.

    A return with any problem changes nothing (each problem names workbook, sheet, row and
    column); one without replaces that member's rows of the years it covers, leaves
    everyone else's untouched and is logged in submissions.csv. The same file twice
    changes nothing; a later return replaces an earlier one. Exit code 2 when any file
    was refused.
    """
    from review.inputs.ingest import ingest as run_ingest
    from review.inputs.paths import default_inputs

    with exits(verbose):
        inputs = inputs or default_inputs()
        _config_or_report(inputs)
        refused = []
        for outcome in run_ingest(files, inputs, member):
            if outcome.problems:
                refused += outcome.problems
                err.print(f"Refused {outcome.file}: nothing from it was merged.", markup=False, highlight=False, soft_wrap=True)
            elif outcome.already:
                typer.echo(f"{outcome.file}: already ingested ({outcome.member}, {outcome.already}); nothing changed.")
            else:
                rows = ", ".join(f"{table} {n}" for table, n in outcome.rows.items())
                replaced = sum(outcome.replaced.values())
                typer.echo(f"{outcome.file}: {outcome.member}'s return merged ({rows} rows; {replaced} earlier rows replaced or removed).")
        if refused:
            print_problems(refused)
            raise typer.Exit(EXIT_INVALID)


@app.command()
def status(
    inputs: Optional[Path] = typer.Option(None, metavar="DIR", help=INPUTS_HELP),
    verbose: bool = typer.Option(False, "--verbose", "-v", help=VERBOSE_HELP),
) -> None:
    """Who has sent what, who is missing, the coverage left.

    Which members have sent which tables this cycle, and the coverage the gaps leave. Coverage is the report's indicator for each Alliance figure of the year being
    collected, counting only the members whose return of that table has arrived; below
    coverage_threshold (review.yml) the figure would be provisional.
    """
    import pandas as pd

    from review.analysis.collection import coverage_gains, coverage_left, returns_grid
    from review.inputs.collect import collection_year, member_tables
    from review.inputs.data import TABLES, read_raw, typed
    from review.inputs.ingest import read_log, received
    from review.inputs.paths import default_inputs

    with exits(verbose):
        inputs = inputs or default_inputs()
        config = _config_or_report(inputs)
        raws = {name: read_raw(inputs, TABLES[name]) for name in ("members", "dependency", "stockpiles", "recycling")}
        problems = [p for raw in raws.values() for p in raw.problems]
        if problems:
            from review.build.validated import InvalidInputs

            raise InvalidInputs(problems)
        tables = {name: typed(raw) for name, raw in raws.items()}
        sent = received(read_log(inputs))
        members = list(tables["members"]["code"])
        grid = returns_grid(members, member_tables(inputs), sent)
        view = Table(title=f"Returns for cycle {config.cycle} (date received)", title_justify="left")
        for col in grid.columns:
            view.add_column(col)
        for row in grid.itertuples(index=False):
            view.add_row(*[escape(str(v)) if v else "[red]missing[/]" for v in row])
        console.print(view)
        senders = {m for m, _ in sent}
        missing = [m for m in members if m not in senders]
        console.print(f"{len(members) - len(missing)} of {len(members)} members have sent a return; {len(missing)} missing: {', '.join(missing) or 'none'}.", highlight=False, markup=False)
        left = coverage_left(tables, sent, {name: collection_year(name, config.cycle) for name in TABLES})
        low = left[left["value"] < config.coverage_threshold - 1e-12]
        cover = Table(title=f"Coverage left by the gaps: {len(low)} of {len(left)} Alliance figures below {config.coverage_threshold:.0%} (they would be provisional)", title_justify="left")
        for col in ("table", "mineral", "stage", "year", "coverage", "missing"):
            cover.add_column(col, justify="right" if col in ("year", "coverage") else "left")
        for r in left.itertuples(index=False):
            cover.add_row(r.table, escape(r.mineral), escape(r.stage or ""), str(r.year), f"{r.value:.1%}", escape(r.missing.replace(";", ", ")) or "none")
        console.print(cover)
        chase = coverage_gains(tables, sent, {name: collection_year(name, config.cycle) for name in TABLES}, missing)
        if len(chase):
            order = Table(title="Whom to chase: the most coverage each missing return would add to one Alliance figure", title_justify="left")
            for col in chase.columns:
                order.add_column(col, justify="left" if col == "member" else "right")
            for r in chase.itertuples(index=False):
                order.add_row(r[0], *["sent" if pd.isna(v) else f"+{v:.1%}" for v in r[1:]])
            console.print(order)


def _rendered_with(out: Path) -> str:
    """The renderer a build used and its version, from its manifest ('auto' says which it chose)."""
    from review.audit import manifest as manifest_mod

    render = manifest_mod.read(out).get("render", {})
    return f"{render['renderer']} ({render['version']})" if "version" in render else ""


def _newest_report(outputs: Path) -> Path:
    """The report of the most recent build under an outputs folder (by its manifest's time)."""
    built = sorted(outputs.glob("*/*/manifest.json"), key=lambda p: p.stat().st_mtime)
    if not built:
        raise ValueError(f"{outputs}: no build found (run review build first, or give OUT)")
    return built[-1].parent / "report"


@app.command()
def serve(
    out: Optional[Path] = typer.Argument(None, metavar="OUT", help="An output folder of one build (OUTPUTS/<cycle>/<edition>).  [default: the newest build under outputs/]"),
    port: int = typer.Option(8000, min=0, max=65535, help="The port (0: any free one)."),
) -> None:
    """Serve a build's HTML report on 127.0.0.1, with its search.

    Browsers refuse the report's search on pages opened from disk (file://), so read it
    through this address to search; text, figures and the contents work either way.
    """
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format, *args):  # a line per file would bury the address
            pass

    with exits():
        report = out / "report" if out is not None else _newest_report(Path("outputs"))
        if not (report / "index.html").is_file():
            raise ValueError(f"{report}: no index.html (build the HTML with review build --to html first)")
        server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Quiet, directory=str(report)))
        typer.echo(f"Serving {report} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops it)")
        sys.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
