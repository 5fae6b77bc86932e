"""The CLI's contract, checked for every command the click tree holds (found by walking it).

Every command: ``--help`` exits 0 with a description and an ``Example`` block whose invocations name
this command and use only options that exist; every command that prints a frame takes
``--format table|csv|json|parquet``. The root: ``--version``, unknown commands, ``python -m``, and
any :class:`rerating.errors.RerateError` raised inside a command becoming one ``error: ...`` line on
stderr with the error's exit code. A new command without help or example fails here.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest

import rerating.errors as errors_module
from rerating.cli import cli, main
from rerating.errors import RerateError

ROOT = Path(__file__).resolve().parents[1]

# Written out here rather than imported from rerating.cli._output, so the test is not the code it checks.
EXPECTED_FORMATS = ("table", "csv", "json", "parquet")

# Leaf commands that print no frame (so take no --format), each with the reason. The rule for the
# rest: a command whose callback calls ``render_frame`` outputs data; a command that does not must be
# listed here, so a new command that prints data some other way is a conscious decision.
NON_DATA_COMMANDS: dict[str, str] = {
    "cache clear": "deletes the store; writes only a note to stderr",
}

# Commands whose help lacks an example today: "command path" -> the missing item. Each becomes a
# strict xfail so the owner's fix turns it into an unexpected pass and the entry must be removed.
MISSING_EXAMPLE: dict[str, str] = {}

SHELL_OPERATORS = {"|", "||", "&&", ";", ">", ">>", "<", "2>", "&"}


def _walk(
    cmd: click.Command, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name in sorted(cmd.commands):
            yield from _walk(cmd.commands[name], (*path, name))


COMMANDS: list[tuple[tuple[str, ...], click.Command]] = list(_walk(cli))
LEAVES = [(p, c) for p, c in COMMANDS if not isinstance(c, click.Group)]


def _label(path: tuple[str, ...]) -> str:
    return " ".join(path) or "rerating"


def _params(commands: list[tuple[tuple[str, ...], click.Command]]) -> list[Any]:
    out = []
    for path, cmd in commands:
        marks = []
        if _label(path) in MISSING_EXAMPLE:
            marks.append(pytest.mark.xfail(strict=True, reason="missing example: owner to fix"))
        out.append(pytest.param(path, cmd, id=_label(path), marks=marks))
    return out


def _help(capsys: pytest.CaptureFixture[str], path: tuple[str, ...]) -> tuple[int, str, str]:
    code = main([*path, "--help"])
    out, err = capsys.readouterr()
    return code, out, err


def _example_lines(help_text: str) -> list[str]:
    """The invocations under the ``Example:``/``Examples:`` heading(s) of rendered help text."""
    lines = help_text.splitlines()
    found: list[str] = []
    for i, line in enumerate(lines):
        if not re.fullmatch(r"\s*Examples?:\s*", line):
            continue
        for body in lines[i + 1 :]:
            if not body.strip():
                break
            # "rerating ..." at the start of the line or after a pipe (echo "..." | rerating claims -)
            match = re.search(r"(?:^|\|\s*)(rerating\s.*)$", body.strip())
            if match:
                found.append(match.group(1))
    return found


def _find_option(cmd: click.Command, name: str) -> click.Option | None:
    if name in ("--help", "-h"):  # added by click from context_settings, not in cmd.params
        return click.Option(["--help", "-h"], is_flag=True)
    for param in cmd.params:
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


def _resolve(invocation: str) -> tuple[tuple[str, ...], list[str]]:
    """Which command an example runs, and the options it passes that the command does not have.

    Options bind to the command they follow (click's rule): root options before the first
    sub-command, a leaf's options after it.
    """
    tokens = shlex.split(invocation)
    assert tokens[0] == "rerating"
    cut = next((i for i, t in enumerate(tokens) if t in SHELL_OPERATORS), len(tokens))
    tokens = tokens[1:cut]
    cmd: click.Command = cli
    path: tuple[str, ...] = ()
    unknown: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        is_option = tok.startswith("--") or re.fullmatch(r"-[A-Za-z]", tok) is not None
        if is_option:
            name = tok.split("=", 1)[0]
            option = _find_option(cmd, name)
            if option is None:
                unknown.append(f"{_label(path)}: {name}")
                i += 1
            elif option.is_flag or option.count or "=" in tok:
                i += 1
            else:
                i += 1 + max(option.nargs, 1)
            continue
        if isinstance(cmd, click.Group) and tok in cmd.commands:
            cmd = cmd.commands[tok]
            path = (*path, tok)
        i += 1
    return path, unknown


def test_walk_finds_the_command_tree() -> None:
    labels = {_label(p) for p, _ in COMMANDS}
    # A walk that silently found nothing would make every parametrised test below vacuous.
    assert {"rerating", "prices", "study", "events", "events list", "cache clear"} <= labels
    assert len(LEAVES) >= 20
    # Every allow-list entry names a command that exists, so stale entries do not linger.
    assert set(NON_DATA_COMMANDS) <= labels
    assert set(MISSING_EXAMPLE) <= labels


@pytest.mark.parametrize(("path", "cmd"), _params(COMMANDS))
def test_help_exits_zero_with_description_and_example(
    capsys: pytest.CaptureFixture[str], path: tuple[str, ...], cmd: click.Command
) -> None:
    code, out, err = _help(capsys, path)
    assert code == 0, err
    assert err == ""
    assert out.startswith(f"Usage: {' '.join(('rerating', *path))} ")
    description = (cmd.help or "").strip()
    assert description, f"`{_label(path)}` has no help text (the function's docstring)"
    # click re-wraps the text, so compare the opening words with whitespace collapsed.
    opening = " ".join(description.split()[:6])
    assert opening in " ".join(out.split())
    examples = _example_lines(out)
    assert examples, f"`{_label(path)} --help` has no 'Example:' block with a `rerating ...` line"


@pytest.mark.parametrize(("path", "cmd"), _params(COMMANDS))
def test_examples_run_this_command_with_real_options(
    capsys: pytest.CaptureFixture[str], path: tuple[str, ...], cmd: click.Command
) -> None:
    _, out, _ = _help(capsys, path)
    examples = _example_lines(out)
    assert examples, f"`{_label(path)} --help` has no example"
    resolved = {ex: _resolve(ex) for ex in examples}
    bad = {ex: unknown for ex, (_, unknown) in resolved.items() if unknown}
    assert not bad, f"examples of `{_label(path)}` pass options that do not exist: {bad}"
    # At least one example runs this command (or, for a group, one of its sub-commands).
    assert any(r[: len(path)] == path for r, _ in resolved.values()), (
        f"no example of `{_label(path)}` invokes it: {examples}"
    )


def _outputs_data(cmd: click.Command) -> bool:
    assert cmd.callback is not None
    return "render_frame" in inspect.getsource(inspect.unwrap(cmd.callback))


@pytest.mark.parametrize(("path", "cmd"), _params(LEAVES))
def test_data_commands_take_format(path: tuple[str, ...], cmd: click.Command) -> None:
    label = _label(path)
    fmt = _find_option(cmd, "--format")
    if label in NON_DATA_COMMANDS:
        assert not _outputs_data(cmd), (
            f"`{label}` renders a frame; remove it from NON_DATA_COMMANDS"
        )
        assert fmt is None, f"`{label}` takes --format; remove it from NON_DATA_COMMANDS"
        return
    assert _outputs_data(cmd), (
        f"`{label}` prints no frame via render_frame: use it, or list the command in NON_DATA_COMMANDS"
    )
    assert fmt is not None, f"`{label}` outputs data but has no --format option"
    assert isinstance(fmt.type, click.Choice)
    assert tuple(fmt.type.choices) == EXPECTED_FORMATS
    assert fmt.default == "table"


def test_a_format_outside_the_choices_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["calendar", "XNYS", "--from", "2025-01-02", "--to", "2025-01-03", "--format", "xlsx"]
    )
    _, err = capsys.readouterr()
    assert code == 2
    assert "'xlsx' is not one of" in err and "parquet" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--version"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert out.strip() == f"rerating, version {importlib.metadata.version('rerating')}"


def test_unknown_command_exits_nonzero_and_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["no-such-command"])
    out, err = capsys.readouterr()
    assert code != 0
    assert out == "" and "Traceback" not in err
    assert err.startswith("error: No such command 'no-such-command'.")


def test_unknown_command_suggests_a_close_one(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["events", "lst"])
    _, err = capsys.readouterr()
    assert code != 0
    assert "No such command 'lst'. Did you mean 'list'?" in err


def test_unknown_command_message_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    main(["no-such-command"])
    _, err = capsys.readouterr()
    assert len([line for line in err.splitlines() if line.strip()]) == 1, err


def test_python_dash_m_help() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "rerating", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Usage: rerating [OPTIONS] COMMAND [ARGS]...")
    assert "prices" in proc.stdout


def test_rerate_error_from_bad_input_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--sample", "prices", "NOPE", "--from", "2025-01-02", "--to", "2025-01-10"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "NOPE" in lines[0]


def _rerate_error_classes() -> list[type[RerateError]]:
    found = [
        obj
        for obj in vars(errors_module).values()
        if isinstance(obj, type) and issubclass(obj, RerateError)
    ]
    return sorted(found, key=lambda c: c.__name__)


ERROR_CLASSES = _rerate_error_classes()


def test_error_classes_were_found() -> None:
    names = {c.__name__ for c in ERROR_CLASSES}
    assert {"RerateError", "UnknownSymbolError", "DateRangeError", "ArticleDateError"} <= names
    assert RerateError.exit_code == 2


@pytest.fixture
def raising_command() -> Iterator[str]:
    """A throwaway command, added to the real root group, that raises the error named by --cls."""
    name = "_contract-raise"

    @click.command(name, hidden=True)
    @click.option("--cls", "cls_name", required=True)
    def _raise(cls_name: str) -> None:
        cls = getattr(errors_module, cls_name)
        raise cls(f"bad value 'x' for --thing ({cls_name}); valid: a, b")

    cli.add_command(_raise)
    try:
        yield name
    finally:
        cli.commands.pop(name, None)


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda c: c.__name__)
def test_every_rerate_error_becomes_one_line_and_its_exit_code(
    capsys: pytest.CaptureFixture[str], raising_command: str, cls: type[RerateError]
) -> None:
    code = main([raising_command, "--cls", cls.__name__])
    out, err = capsys.readouterr()
    assert code == cls.exit_code and code != 0
    assert out == ""
    # KeyError subclasses must print plain text, not the repr KeyError gives ("'...'").
    assert err == f"error: bad value 'x' for --thing ({cls.__name__}); valid: a, b\n"


def test_long_terminal_tables_show_their_first_rows(capsys, monkeypatch, tmp_path) -> None:
    import pandas as pd

    from rerating.cli import _output

    monkeypatch.setattr(_output, "TABLE_MAX_ROWS", 5)
    frame = pd.DataFrame({"symbol": [f"S{i}" for i in range(8)], "car": range(8)})
    _output.render_frame(frame, "table")
    out, err = capsys.readouterr()
    assert "S4" in out and "S5" not in out
    assert "showing the first 5 of 8 rows" in err and "--format csv" in err
    _output.render_frame(frame, "csv")  # other formats and files keep every row
    assert capsys.readouterr().out.count("\n") == 9  # header and 8 rows
    _output.render_frame(frame, "table", output=str(tmp_path / "t.txt"))
    assert "S7" in (tmp_path / "t.txt").read_text(encoding="utf-8")
