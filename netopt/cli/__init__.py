"""The ``netopt`` command line: one Typer app, one module per command group.

Results go to stdout (tables, or JSON with ``--json``); progress and diagnostics to stderr.
Library errors become a one-line message and a non-zero exit at the edge (``_output.handle_errors``).
"""

from __future__ import annotations

import typer

from . import bench, fabric, gnn, nco, routing, traffic

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


def main() -> None:
    """Console-script entry point."""
    app()
