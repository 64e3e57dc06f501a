"""Shared CLI plumbing: stderr console, error mapping at the edge, JSON / table output."""

from __future__ import annotations

import functools
import json
import sys
from typing import Any, Callable

import typer
from rich.console import Console
from rich.table import Table

from ..exceptions import NetoptError

#: progress and diagnostics; results go to stdout
err = Console(stderr=True)


def out() -> Console:
    """A stdout console created per call (so CliRunner's captured stdout is used)."""
    return Console(file=sys.stdout, soft_wrap=True)


def fail(message: str, code: int = 1) -> None:
    """One line on stderr and a non-zero exit, no traceback."""
    err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def handle_errors(fn: Callable) -> Callable:
    """Map library errors to one-line messages and exit codes; Ctrl-C outside a solve exits 130."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except NetoptError as e:
            fail(str(e).replace("[", r"\["), e.exit_code)
        except KeyboardInterrupt:
            err.print("interrupted")
            raise typer.Exit(130) from None
        except BrokenPipeError:  # `netopt ... | head`
            raise typer.Exit(0) from None

    return wrapper


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, allow_nan=False) + "\n")


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> Table:
    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, justify="left" if c in ("instance", "solver", "name", "status", "field", "value") else "right")
    for r in rows:
        t.add_row(*["" if v is None else (f"{v:,.10g}" if isinstance(v, float) else str(v)) for v in r])
    return t
