"""Issue 24, the third hardening round: each case an attacker or an unlucky user tried.

Each test fails on the code before the fix and passes after; the warm server's cases
are in tests/test_server.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

REVIEW = Path(sys.executable).with_name("review")  # the console script, as a user runs it (never `python -m`, which imports from the working folder itself)

#: A module planted in a folder: it notes which process imported it, then hands over the real module
#: (so the process goes on as usual and the test sees every import, not only the first crash).
PLANTED = '''
import os, sys
with open({marker!r}, "a") as _f:
    _f.write(f"{{os.getpid()}} {{sys.argv!r}}\\n")
_here = os.path.dirname(os.path.abspath(__file__))
for _dir in sys.path:
    _base = os.path.join(os.path.abspath(_dir or "."), __name__)
    if os.path.dirname(_base) == _here:
        continue
    if os.path.isfile(os.path.join(_base, "__init__.py")):  # a package (json)
        __path__, __package__, _real = [_base], __name__, os.path.join(_base, "__init__.py")
    elif os.path.isfile(_base + ".py"):
        _real = _base + ".py"
    else:
        continue
    with open(_real) as _f:
        exec(compile(_f.read(), _real, "exec"))
    break
'''


def plant(folder: Path, marker: Path) -> None:
    for name in ("json", "keyword"):
        (folder / f"{name}.py").write_text(PLANTED.format(marker=str(marker)))


def review(*args, cwd, env=None, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([str(REVIEW), *map(str, args)], cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout)


# --- 1. no code runs from the folder a command is started in ---------------------------------


def test_no_process_imports_from_the_working_folder(tiny, tmp_path):
    work, marker = tmp_path / "work", tmp_path / "planted-ran.txt"
    work.mkdir()
    plant(work, marker)
    outputs = tmp_path / "outputs"
    proc = review("build", "--inputs", tiny, "--outputs", outputs, "--no-server", "--renderer", "pandoc", "--to", "html", "-j", "1", "--only", "projects", cwd=work)  # one notebook: a kernel, a worker and the warm process all start
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists(), f"planted modules ran during the build:\n{marker.read_text()}"
    plant(outputs, marker)  # a received outputs folder that holds them too, audited from inside
    proc = review("reproduce", "2026/public", "-n", "projects", cwd=outputs)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not marker.exists(), f"planted modules ran during reproduce:\n{marker.read_text()}"



# --- 2. the local secret is this user's alone (the server's cases are in tests/test_server.py) ------


def test_a_local_secret_other_users_can_read_is_refused(tmp_path, monkeypatch):
    from review.inputs.fingerprint import local_secret
    from review.inputs.fsutil import NotPrivate

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    secret = local_secret()
    path = tmp_path / "alliance-review" / "local-secret"
    assert oct(path.stat().st_mode & 0o777) == "0o600" and oct(path.parent.stat().st_mode & 0o777) == "0o700"
    assert local_secret() == secret
    path.chmod(0o644)  # as another user's secret in a shared cache folder would be, or one copied in
    with pytest.raises(NotPrivate, match="mode 0644"):
        local_secret()
    if os.getuid() == 0:
        path.chmod(0o600)
        os.chown(path, 65534, 65534)
        with pytest.raises(NotPrivate, match="belongs to another user"):
            local_secret()
    path.unlink()
    path.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(PermissionError):
        local_secret()
    assert not (tmp_path / "elsewhere").exists()

# --- 3. nothing is lost ---------------------------------------------------------------------------


def test_a_build_does_not_replace_a_folder_it_did_not_make(tiny, tmp_path):
    from review.build.pipeline import BuildRequest, NotMadeByTheTool, build

    out = tmp_path / "outputs" / "2026" / "public"
    out.mkdir(parents=True)
    (out / "precious.txt").write_text("a week of work")
    (out / "index.html").write_text("<p>not ours</p>")
    with pytest.raises(NotMadeByTheTool, match="has no manifest.json"):
        build(BuildRequest(inputs=tiny, outputs=tmp_path / "outputs", renderer="pandoc", formats=("html",), warm=False))
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "precious.txt"]
    assert (out / "precious.txt").read_text() == "a week of work"
    assert sorted(p.name for p in out.parent.iterdir()) == ["public"]  # no staging folder left beside it


def test_new_cycle_refuses_a_folder_made_while_it_runs(tiny, tmp_path, monkeypatch):
    """Another process makes the destination after new-cycle's check: its folder is neither replaced nor merged."""
    from review.inputs import new_cycle as module

    dest = tmp_path / "inputs-2027"
    real = module.overdue_projects

    def racing(*args):
        dest.mkdir(exist_ok=True)
        (dest / "theirs.csv").write_text("written by someone else\n")
        return real(*args)

    monkeypatch.setattr(module, "overdue_projects", racing)
    with pytest.raises(FileExistsError, match="another process"):
        module.new_cycle(2027, tiny, dest)
    assert [p.name for p in dest.iterdir()] == ["theirs.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs", "inputs-2027"]  # no staging folder left


def test_new_cycle_claims_its_destination_in_one_step(tiny, tmp_path, monkeypatch):
    """A folder made between the existence check and the writing is refused, not replaced."""
    from review.inputs import config as config_module
    from review.inputs import new_cycle as module

    dest = tmp_path / "inputs-2027"
    real = config_module.load_config

    def racing(folder):
        dest.mkdir()
        return real(folder)

    monkeypatch.setattr(config_module, "load_config", racing)
    with pytest.raises(FileExistsError, match="already exists"):
        module.new_cycle(2027, tiny, dest)
    assert dest.is_dir() and not any(dest.iterdir())


# --- 4. disclosure across editions and cycles ------------------------------------------------------


def _published_review(out: Path, inputs: Path, cycle: int, edition: str) -> None:
    """A previous review's output folder as a build leaves it, for the stages that read it: snapshot, published indicators, manifest."""
    from review.audit import manifest as manifest_mod
    from review.build.validated import make_snapshot

    make_snapshot(inputs, out / "validated", edition, publish=out / "data")
    manifest_mod.write(out, {"cycle": cycle, "edition": edition, "content_sha256": "0" * 64})


def test_a_public_build_refuses_a_restricted_previous_review(tiny, tmp_path):
    previous = tmp_path / "archive" / "2025" / "restricted"
    previous.mkdir(parents=True)
    (previous / "manifest.json").write_text('{"cycle": 2025, "edition": "restricted", "content_sha256": "x", "files": {}}\n')
    outputs = tmp_path / "outputs"
    proc = review("build", "--inputs", tiny, "--outputs", outputs, "--previous", previous, "--no-server", "--renderer", "pandoc", "--to", "html", cwd=tmp_path)
    assert proc.returncode == 1
    assert "a public build compares only with a public review" in " ".join(proc.stderr.split())
    assert not outputs.exists()


def test_a_total_published_last_cycle_is_withheld_when_late_confidential_values_would_be_its_difference(tiny, tmp_path):
    """The 2026 public review publishes a 2024 total of three confidential holdings (it passes the rule);
    a fourth member reports its confidential 2024 holdings late, in the 2027 cycle. Within 2027 the
    total of four passes the rule too, but 2027's total minus 2026's would be that member's value."""
    from review.build.validated import make_snapshot
    from review.inputs.new_cycle import new_cycle
    from review.inputs.snapshot import read_table

    (tiny / "members.csv").write_text((tiny / "members.csv").read_text() + "KOR,Korea,partner,2025\n")
    stock = [line for line in (tiny / "stockpiles.csv").read_text().splitlines() if not line.startswith("2024,")]
    stock[1:1] = ["2024,USA,rare-earths,10,100,90,true", "2024,JPN,rare-earths,15,100,60,true", "2024,AUS,rare-earths,8,50,60,true"]
    (tiny / "stockpiles.csv").write_text("\n".join(stock) + "\n")
    previous = tmp_path / "outputs" / "2026" / "public"
    _published_review(previous, tiny, 2026, "public")

    def holdings_2024(snapshot_dir):
        totals = read_table(snapshot_dir, "stockpile_totals")
        return totals[(totals["mineral"] == "rare-earths") & (totals["year"] == 2024)].iloc[0]

    assert holdings_2024(previous / "validated")["holdings_t"] == pytest.approx(33)  # published in 2026

    new_cycle(2027, tiny, tmp_path / "inputs-2027", tmp_path / "outputs")
    revised = tmp_path / "inputs-2027" / "stockpiles.csv"
    revised.write_text(revised.read_text() + "2024,KOR,rare-earths,7.77,40,60,true\n")
    alone = make_snapshot(tmp_path / "inputs-2027", tmp_path / "alone", "public")  # without the 2026 review, the rule of one cycle publishes it
    assert holdings_2024(alone.path)["holdings_t"] == pytest.approx(40.77)
    compared = make_snapshot(tmp_path / "inputs-2027", tmp_path / "compared", "public", previous=previous)
    row = holdings_2024(compared.path)
    assert pd_isna(row["holdings_t"]) and not row["disclosed"]
    assert "the 2026 review published this total" in row["withheld_because"]
    assert "7.77" not in (tmp_path / "compared" / "stockpile_totals.parquet").read_bytes().decode("latin-1")


def pd_isna(value) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


# --- 5. what is reused from an earlier build is checked like the cache ----------------------------


def test_a_build_reuses_from_the_previous_folder_only_what_its_manifest_vouches_for(tiny_built_copy):
    import pandas as pd

    from review.audit.verify import verify
    from review.build.pipeline import BuildRequest, build

    inputs, outputs = tiny_built_copy
    out = outputs / "2026" / "public"
    chapter = out / "book" / "index.qmd"
    chapter.write_text(chapter.read_text() + "\n\nA paragraph added after the build.\n")
    table = pd.read_parquet(out / "validated" / "indicators.parquet")
    numbers = table.index[table["value"].notna()][:18]
    table.loc[numbers, "value"] = 0.123456
    table.to_parquet(out / "validated" / "indicators.parquet")

    outcome = build(BuildRequest(inputs=inputs, outputs=outputs, renderer="pandoc"))
    assert not outcome.snapshot_reused and not outcome.book_reused
    assert "added after the build" not in chapter.read_text()
    assert "0.123456" not in (out / "data" / "indicators.csv").read_text()
    assert not (pd.read_parquet(out / "validated" / "indicators.parquet")["value"] == 0.123456).any()
    assert verify(out).intact


def test_validate_never_writes_over_a_finished_build(tiny_built_copy):
    from tests.conftest import run_review, tree_state

    inputs, outputs = tiny_built_copy
    out = outputs / "2026" / "public"
    before = tree_state(out)
    proc = run_review("validate", "--inputs", inputs, "--outputs", outputs)
    assert proc.returncode == 0, proc.stderr
    assert "holds a finished build, left as it is" in " ".join(proc.stdout.split())
    assert tree_state(out) == before


# --- 6. text is data on the terminal too -------------------------------------------------------------

MARKUP_NAME = "Lithium [/bold] [link=https://evil.example]click[/link]"


def test_rich_markup_in_a_name_is_printed_as_typed(tiny):
    from tests.conftest import run_review

    minerals = tiny / "minerals.csv"
    minerals.write_text(minerals.read_text().replace("lithium,Lithium,", f'lithium,"{MARKUP_NAME}",'))
    proc = run_review("indicators", "--inputs", tiny, env={"COLUMNS": "200"})
    assert proc.returncode == 0, proc.stderr
    assert MARKUP_NAME in proc.stdout


def test_control_sequences_from_a_received_folder_never_reach_the_terminal(tiny_build, tmp_path):
    import pandas as pd

    from tests.conftest import run_review

    _, outputs, _ = tiny_build
    received = tmp_path / "received"
    shutil.copytree(outputs / "2026" / "public", received)
    names = received / "validated" / "minerals.parquet"
    table = pd.read_parquet(names)
    table.loc[table["id"] == "lithium", "name"] = "Lithium\x1b[2J\x1b]52;c;ZXZpbA==\x07\x9b31m"
    table.to_parquet(names)
    for form in ("table", "markdown"):
        proc = run_review("compare", outputs / "2026" / "public", received, "--all", "--format", form, env={"COLUMNS": "200"})
        assert proc.returncode == 0, proc.stderr
        assert "Lithium" in proc.stdout
        assert not {"\x1b", "\x07", "\x9b"} & set(proc.stdout + proc.stderr), form


# --- 7. keys and limits -------------------------------------------------------------------------------


def test_keygen_never_writes_through_a_symbolic_link(tmp_path):
    from review.audit.signing import keygen

    elsewhere = tmp_path / "elsewhere" / "planted.pub"
    elsewhere.parent.mkdir()
    (tmp_path / "key.pub").symlink_to(elsewhere)  # dangling: exists() says no
    with pytest.raises(FileExistsError):
        keygen(tmp_path / "key")
    assert not elsewhere.exists() and not (tmp_path / "key").exists()


def test_a_signing_key_other_users_can_read_is_refused(tmp_path):
    from review.audit.signing import check_private_key, keygen

    private, _ = keygen(tmp_path / "key")
    check_private_key(private)
    private.chmod(0o644)
    with pytest.raises(PermissionError, match=r"other users \(mode 0644\).*chmod 600"):
        check_private_key(private)


def _problems(inputs: Path) -> list[str]:
    from review.inputs.validation import validate

    return [p.line() for p in validate(inputs).problems]


def test_a_table_that_is_a_named_pipe_is_a_problem_not_a_hang(tiny):
    os.mkfifo(tiny / "stockpiles-late.csv")
    (tiny / "recycling-zero.csv").symlink_to("/dev/zero")
    proc = review("validate", "--inputs", tiny, "--outputs", tiny.parent / "outputs", cwd=tiny.parent, timeout=120)
    assert proc.returncode == 2, proc.stderr
    text = " ".join(proc.stderr.split())
    assert "stockpiles-late.csv: file must be a regular file: value a named pipe" in text
    assert "recycling-zero.csv: file must be a regular file: value a device" in text


def test_a_table_beyond_the_size_limit_is_refused_before_it_is_read(tiny):
    from review.inputs.data import MAX_TABLE_BYTES

    with open(tiny / "dependency-huge.csv", "wb") as f:
        f.write((tiny / "dependency.csv").read_bytes().splitlines(keepends=True)[0])
        f.truncate(MAX_TABLE_BYTES)  # with dependency.csv, the table is over the limit
    problems = _problems(tiny)
    assert any(line.startswith("dependency-huge.csv") and "at most 64 MB together" in line for line in problems), problems


def test_a_header_longer_than_the_csv_field_limit_is_a_problem(tiny):
    (tiny / "targets.csv").write_text("a" * 200_000 + "\n")
    assert any(line.startswith("targets.csv, row 1") and "must be valid CSV" in line for line in _problems(tiny))


def test_a_full_disk_is_reported_as_a_full_disk(tiny_build, monkeypatch, tmp_path):
    """Papermill's write of the executed notebook fails half-way: the error is the disk, not a notebook that is not JSON."""
    import errno

    import papermill

    from review.engine.execute import run_job
    from review.engine.jobs import plan
    from review.inputs import snapshot

    _, outputs, _ = tiny_build
    job = plan(snapshot.read_meta(outputs / "2026" / "public" / "validated"))[0]

    def full_disk(source, output, **kwargs):
        Path(output).write_text('{"cells": [')
        raise OSError(errno.ENOSPC, "No space left on device", output)

    monkeypatch.setattr(papermill, "execute_notebook", full_disk)
    with pytest.raises(OSError, match="No space left on device") as caught:
        run_job(job, str(tmp_path))
    assert caught.value.errno == errno.ENOSPC


def test_the_command_says_the_disk_is_full(capsys):
    import errno

    import typer

    from review.cli import exits

    with pytest.raises(typer.Exit) as stopped, exits():
        raise OSError(errno.ENOSPC, "No space left on device", "/outputs/2026/public/notebooks/x.ipynb")
    assert stopped.value.exit_code == 1
    said = " ".join(capsys.readouterr().err.split())
    assert "the disk is full" in said and "earlier outputs are unchanged" in said
