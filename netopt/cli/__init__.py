"""The ``netopt`` command line: one Typer app, one module per command group.

Results go to stdout (tables, or JSON with ``--json``); progress and diagnostics to stderr.
Library errors become a one-line message and a non-zero exit at the edge (``_output.handle_errors``).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer
import typer.core

from . import bench, fabric, gnn, nco, routing, traffic


def _flag_type(self, ctx):
    """Help shows ``--json`` for a plain flag, not ``--json <bool>`` (Typer labels every option with its type)."""
    return None if self.is_flag and self.metavar is None else _option_type(self, ctx)


_option_type = typer.core.TyperOption.display_type_rich
typer.core.TyperOption.display_type_rich = _flag_type

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
