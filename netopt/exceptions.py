"""Typed errors raised by netopt.

Every error a user can cause (a malformed file, an infeasible instance, an unknown
solver name) is a subclass of :class:`NetoptError`. The CLI turns these into a
one-line message and a non-zero exit code; anything else is a bug.
"""

from __future__ import annotations


class NetoptError(Exception):
    """Base class of all errors a user can cause. ``exit_code`` is used by the CLI (README's table):
    2 bad input or usage (the default), 3 infeasible instance, 4 missing optional dependency, and 1
    only for "no usable result" (an invalid solution, an output that could not be written)."""

    exit_code = 2


class InstanceFormatError(NetoptError, ValueError):
    """A file is malformed: unknown section, missing field, non-numeric value ...

    Parameters
    ----------
    path
        The file (or ``"<instance>"`` for in-memory data).
    field
        The section or field that is wrong, e.g. ``"DEMAND_SECTION"``.
    message
        What is wrong with it.
    line
        1-based line number, when known.
    """

    exit_code = 2

    def __init__(self, path: object, field: str | None, message: str, line: int | None = None):
        self.path = str(path)
        self.field = field
        self.line = line
        self.reason = message
        where = self.path + (f":{line}" if line else "")
        what = f"{field}: " if field else ""
        super().__init__(f"{where}: {what}{message}")


class InfeasibleInstanceError(NetoptError):
    """The instance has no feasible solution (e.g. a demand above the vehicle capacity)."""

    exit_code = 3


class UnknownSolverError(NetoptError, KeyError):
    """No solver is registered under the requested name."""

    exit_code = 2

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class UnsupportedInstanceError(NetoptError):
    """The solver cannot handle this kind of instance (see ``Solver.supports``)."""

    exit_code = 2


class SolverParameterError(NetoptError, ValueError):
    """An unknown solver parameter, or a value of the wrong type."""

    exit_code = 2


class SolutionFormatError(NetoptError, ValueError):
    """A routes/solution file is malformed or does not fit the instance."""

    exit_code = 2


class MissingDependencyError(NetoptError, ImportError):
    """An optional package is needed, e.g. ``pip install "netopt[gnn]"``."""

    exit_code = 4


class ResourceLimitError(NetoptError):
    """A declared size would need more memory than is available (checked before allocating)."""

    exit_code = 2


class InvalidSolutionError(SolutionFormatError):
    """Routes that parse but cannot be a solution of the instance: a non-integer node id, the depot
    in the middle of a route, a node id the instance does not have. Exit 1, like any invalid solution."""

    exit_code = 1


class OutputPathError(NetoptError):
    """An output path that cannot be used, found before any work: no such folder, a parent that is a
    file, no permission, an unknown suffix."""

    exit_code = 2


class OutputWriteError(NetoptError):
    """Writing an output failed (disk full, I/O error); the run produced no usable output."""

    exit_code = 1


class NetoptWarning(UserWarning):
    """Something was accepted but changed or looks wrong (e.g. a warm start that was repaired);
    the CLI prints it as one ``warning:`` line on stderr."""
