"""Typed errors of the fabric analyses (all subclasses of :class:`netopt.exceptions.NetoptError`)."""

from __future__ import annotations

from netopt.exceptions import NetoptError, UnsupportedInstanceError

__all__ = ["FabricInputError", "UnsupportedInstanceError"]


class FabricInputError(NetoptError, ValueError):
    """A topology, collective, placement or model parameter is invalid.

    ``field`` names the offending parameter (e.g. ``"spines"``) so callers can point at it.
    """

    exit_code = 2

    def __init__(self, field: str, message: str):
        self.field = field
        self.reason = message
        super().__init__(f"{field}: {message}")
