"""The ``frontlines`` command line: a thin layer over :mod:`frontlines.api`.

Errors derived from :class:`~frontlines.errors.FrontlinesError` print one red line
and exit with status 1; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import sys

import typer

from frontlines import __version__
from frontlines.cli import commands_data, commands_measure
from frontlines.cli.output import err_console
from frontlines.errors import FrontlinesError

app = typer.Typer(
    name="frontlines",
    help="Measure dated control maps of armed conflicts: area, change, regions, front lines, claims.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
commands_data.register(app)
commands_measure.register(app)
for _mod in ("commands_demo", "commands_derive", "commands_where", "commands_claims", "commands_visual", "commands_web"):
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

_INTERRUPTED = 130


def _interrupted() -> int:
    err_console.print("[red]interrupted: nothing was written[/]")
    return _INTERRUPTED


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: returns the exit status."""
    try:
        rc = app(args=argv, standalone_mode=False)
    except FrontlinesError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        return 1
    except _ClickException as exc:  # usage errors: exit 2 with click's message
        exc.show()
        return exc.exit_code
    except _ValidationError as exc:  # an option value of the wrong type
        problems = "; ".join(f"{e.get('input')!r}: {e.get('msg')}" for e in exc.errors())
        err_console.print(f"[bold red]usage error:[/] {problems}", highlight=False, soft_wrap=True)
        return 2
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
