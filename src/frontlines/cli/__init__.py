"""The ``frontlines`` command line: a thin layer over :mod:`frontlines.service`.

Exit status and stderr:

* 2, one line ``error: ...``: a usage error: click's own (unknown option, missing
  value, wrong type) or ours (:class:`~frontlines.errors.UsageError`: a bad date,
  choice, range or combination of options, checked in :mod:`frontlines.cli.options`).
* 1, one line ``error: ...``: any other :class:`~frontlines.errors.FrontlinesError`
  (a missing file, a broken store, no snapshot at that time).
* 130: interrupted. Anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.markup import escape

from frontlines._version import __version__
from frontlines.cli import commands_data, commands_measure
from frontlines.cli.output import err_console
from frontlines.errors import FrontlinesError, UsageError

app = typer.Typer(
    name="frontlines",
    help="Measure dated control maps of armed conflicts: area, change, regions, front lines, claims.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
commands_data.register(app)
commands_measure.register(app)
for _mod in ("commands_demo", "commands_derive", "commands_compare", "commands_quality", "commands_where", "commands_places",
             "commands_claims", "commands_visual", "commands_web", "commands_sync", "commands_copy"):
    try:
        __import__(f"frontlines.cli.{_mod}", fromlist=["register"]).register(app)
    except ModuleNotFoundError as exc:  # a command group not built yet
        if exc.name != f"frontlines.cli.{_mod}":
            raise


@app.callback(invoke_without_command=True)
def _root(version: bool = typer.Option(False, "--version", help="Print the version.")) -> None:
    if version:
        typer.echo(f"frontlines {__version__}")
        raise typer.Exit()


try:  # typer >= 0.29 vendors click and raises its own copies of click's exceptions
    from typer._click.exceptions import ClickException as _ClickException
except ImportError:  # pragma: no cover - older typer on real click
    from click.exceptions import ClickException as _ClickException
try:
    from pydantic import (
        ValidationError as _ValidationError,  # typer 0.29 converts options with pydantic
    )
except ImportError:  # pragma: no cover
    _ValidationError = ValueError  # type: ignore[assignment,misc]

_USAGE = 2
_INTERRUPTED = 130


def _error(message: str, status: int) -> int:
    """Print ``error: message`` as one line on stderr; return ``status``."""
    line = " ".join(message.split())
    err_console.print(f"[bold red]error:[/] {escape(line)}", highlight=False, soft_wrap=True)
    return status


def _interrupted() -> int:
    err_console.print("[red]interrupted: the transaction under way was rolled back; what was committed before stays[/]")
    return _INTERRUPTED


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: returns the exit status."""
    try:
        rc = app(args=argv, standalone_mode=False)
    except UsageError as exc:
        return _error(str(exc), _USAGE)
    except FrontlinesError as exc:
        return _error(str(exc), 1)
    except _ClickException as exc:  # click's usage errors: its message on one line
        if not exc.format_message().strip():  # no arguments at all: click has printed the help
            return exc.exit_code
        ctx = getattr(exc, "ctx", None)
        hint = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
        return _error(exc.format_message() + hint, exc.exit_code)
    except _ValidationError as exc:  # an option value of the wrong type
        return _error("; ".join(f"{e.get('input')!r}: {e.get('msg')}" for e in exc.errors()), _USAGE)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except (typer.Abort, KeyboardInterrupt):
        return _interrupted()
    if isinstance(rc, int) and rc != 0:
        # With standalone_mode=False typer returns the code of an Abort / Ctrl-C instead of raising.
        return _interrupted() if rc in (1, _INTERRUPTED) else rc
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
