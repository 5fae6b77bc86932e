"""The ``rerating`` command line: a thin shell over the library.

Each command parses its arguments, calls one library function and renders the result. Commands
live in one module per layer (``data``, ``events``, ``study``, ``rerate``, ``report``, ``claims``);
each module exposes ``register(group)``. Errors derived from :class:`rerating.errors.RerateError`
become a one-line message on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from rerating import __version__
from rerating.cli._context import AppContext
from rerating.errors import RerateError

EXIT_OK = 0
EXIT_ERROR = 2  # a RerateError: bad input, missing data, unavailable source
EXIT_USAGE = 2  # click's usage errors
EXIT_INTERRUPTED = 130


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="rerating")
@click.option(
    "--home",
    type=click.Path(file_okay=False),
    default=None,
    help="Cache directory holding the DuckDB store (default: $RERATING_HOME or ~/.cache/rerating).",
)
@click.option(
    "--sample",
    is_flag=True,
    default=False,
    help="Read the bundled sample data (DeepSeek episode, 2024-06..2025-06) instead of the store.",
)
@click.option(
    "--securities",
    "securities_file",
    type=click.Path(dir_okay=False, exists=True),
    default=None,
    help="A CSV of extra listings that extends the bundled security master.",
)
@click.pass_context
def cli(ctx: click.Context, home: str | None, sample: bool, securities_file: str | None) -> None:
    """Measure how news events re-rate stock valuations across markets.

    \b
    Examples:
      rerating --sample prices BABA 9988.HK --from 2025-01-20 --to 2025-02-13
      rerating --sample report --preset deepseek-2025 --out out/
    """
    ctx.obj = AppContext(home=home, sample=sample, securities_file=securities_file)


def _register_commands() -> None:
    from rerating.cli import claims, data, events, report, rerate, simulate, study

    for module in (data, events, study, simulate, rerate, report, claims):
        module.register(cli)


_register_commands()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code instead of exiting (so tests can call it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        cli.main(args=args, prog_name="rerating", standalone_mode=False)
    except RerateError as exc:
        click.echo(f"error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_INTERRUPTED
    except click.UsageError as exc:
        # One line, like every other error; the hint names the help to read.
        where = f" (see 'rerating {exc.ctx.command_path.partition(' ')[2]} --help')".replace("  ", " ") if exc.ctx else ""
        click.echo(f"error: {exc.format_message()}{where}", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    return EXIT_OK
