"""The versioned ``Result`` every solver returns and every ``--json`` prints.

JSON has no infinity: an infeasible result has ``objective: null``. ``schema_version``
is bumped on any incompatible change; readers refuse versions they do not know.
"""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, field
from typing import Any

from ..exceptions import SolutionFormatError

SCHEMA_VERSION = 1
STATUSES = ("optimal", "feasible", "infeasible", "time_limit", "interrupted", "error")


def environment() -> dict:
    """Versions that matter for reproducing a run (torch only when already imported)."""
    import sys

    import numpy

    env = {"python": platform.python_version(), "platform": platform.platform(), "numpy": numpy.__version__}
    for mod in ("numba", "ortools"):
        try:
            env[mod] = __import__(mod).__version__
        except Exception:  # optional or broken installs must not break a result
            env[mod] = None
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        env["torch"] = torch.__version__
        env["device"] = "cuda" if torch.cuda.is_available() else "cpu"
    else:
        env["device"] = "cpu"
    return env


@dataclass
class Result:
    """Outcome of one solver run.

    ``status``: ``optimal`` (proven), ``feasible`` (stopped by its own criterion),
    ``time_limit`` (stopped by the time limit with a feasible solution), ``interrupted``
    (Ctrl-C, best solution so far), ``infeasible`` (no feasible solution found) or ``error``.
    ``history`` holds ``[seconds, best objective]`` pairs.
    """

    problem: str
    instance: str
    instance_sha256: str
    solver: str
    params: dict
    seed: int | None
    status: str
    objective: float | None
    runtime_s: float
    iterations: int = 0
    solution: dict | None = None
    history: list = field(default_factory=list)
    environment: dict = field(default_factory=environment)
    message: str = ""
    schema_version: int = SCHEMA_VERSION
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    @property
    def feasible(self) -> bool:
        return self.status in ("optimal", "feasible", "time_limit", "interrupted") and self.objective is not None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d = {"schema_version": d.pop("schema_version"), **d}
        return d

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    @classmethod
    def from_dict(cls, d: dict, source: str = "<result>") -> "Result":
        if not isinstance(d, dict):
            raise SolutionFormatError(f"{source}: expected a JSON object")
        version = d.get("schema_version")
        if version != SCHEMA_VERSION:
            raise SolutionFormatError(f"{source}: schema_version: unsupported value {version!r} (this netopt reads {SCHEMA_VERSION})")
        names = set(cls.__dataclass_fields__)
        try:
            return cls(**{k: v for k, v in d.items() if k in names})
        except (TypeError, ValueError) as e:
            raise SolutionFormatError(f"{source}: not a netopt Result: {e}") from None
