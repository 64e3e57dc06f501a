"""The ``netopt`` command line: one Typer app, one module per command group.

Results go to stdout (tables, or JSON with ``--json``); progress and diagnostics to stderr.
Library errors become a one-line message and a non-zero exit at the edge (``_output.handle_errors``).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer
import typer.core
import typer.rich_utils

from . import bench, fabric, gnn, nco, road, routing, traffic


def _flag_type(self, ctx):
    """Help shows ``--json`` for a plain flag, not ``--json <bool>`` (Typer labels every option with its type)."""
    return None if self.is_flag and self.metavar is None else _option_type(self, ctx)


_option_type = typer.core.TyperOption.display_type_rich
typer.core.TyperOption.display_type_rich = _flag_type


def _usage_error(e) -> None:
    """Usage errors (a value out of an option's range, a missing argument) as one ``error:`` line
    like every other netopt error, instead of Rich's framed box; the exit code stays click's 2."""
    from rich.markup import escape

    from ._output import err

    hint = f" (see '{e.ctx.command_path} --help')" if getattr(e, "ctx", None) is not None else ""
    err.print(f"[bold red]error:[/] {escape(e.format_message())}{hint}", markup=True, highlight=False,
              soft_wrap=True)


typer.rich_utils.rich_format_error = _usage_error

app = typer.Typer(
    name="netopt",
    help="Network and graph optimization: vehicle routing, traffic assignment, network design, datacenter fabrics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
routing.register(app)
traffic.register(app)
app.add_typer(fabric.app, name="fabric")
app.add_typer(bench.app, name="bench")
app.add_typer(gnn.app, name="gnn")
app.add_typer(nco.app, name="nco")
app.add_typer(road.app, name="road")


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"netopt {version('netopt')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True,
                                                    help="Print the version and exit.")] = None,
) -> None:
    """Network and graph optimization: vehicle routing, traffic assignment, network design, datacenter fabrics."""


def main() -> None:
    """Console-script entry point."""
    app()
