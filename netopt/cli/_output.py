"""Shared CLI plumbing: stderr console, error mapping at the edge, JSON / table output."""

from __future__ import annotations

import functools
import json
import sys
import warnings
from typing import Any, Callable

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..exceptions import NetoptError, NetoptWarning

#: progress and diagnostics; results go to stdout
err = Console(stderr=True)


def out() -> Console:
    """A stdout console created per call (so CliRunner's captured stdout is used)."""
    return Console(file=sys.stdout, soft_wrap=True)


def fail(message: str, code: int = 2) -> None:
    """One line on stderr and a non-zero exit (default 2: bad input), no traceback."""
    first = message.splitlines()[0] if message else "failed"
    err.print(f"[bold red]error:[/] {escape(first)}", markup=True, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    """One ``warning:`` line on stderr."""
    err.print(f"[bold yellow]warning:[/] {escape(message)}", markup=True, highlight=False, soft_wrap=True)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, NetoptWarning):
        warn(str(message))
    else:
        _default_showwarning(message, category, filename, lineno, file, line)


_default_showwarning = warnings.showwarning


def handle_errors(fn: Callable) -> Callable:
    """Map library errors to one-line messages and exit codes (README's table); library warnings
    (:class:`~netopt.exceptions.NetoptWarning`) to ``warning:`` lines; Ctrl-C outside a solve exits 130."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with warnings.catch_warnings():
            warnings.simplefilter("always", NetoptWarning)
            warnings.showwarning = _show_warning
            try:
                return fn(*args, **kwargs)
            except NetoptError as e:
                fail(str(e), e.exit_code)
            except KeyboardInterrupt:
                err.print("interrupted")
                raise typer.Exit(130) from None
            except BrokenPipeError:  # `netopt ... | head`
                raise typer.Exit(0) from None
            except MemoryError:  # an estimate missed: still one line, never a traceback
                fail("out of memory (the input is too large for this machine)", 2)

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
