"""Declared, range-checked parameters: one scheme for every solver and search.

A solver (or the design GA, or the fabric builder) declares its parameters once as a
:class:`ParamSpace` of :class:`Param` (type, documented default, help with units, allowed
choices or a range, and rules that tie parameters together). :meth:`ParamSpace.resolve`
turns user input (strings from the CLI's ``-p name=value``, Python values from the API or the
bench runner) into a frozen :class:`Params` object, checked in one place, before any work
starts; a bad value is a :class:`~netopt.exceptions.SolverParameterError` that names the owner,
the parameter and the valid range.

Examples
--------
>>> space = ParamSpace("demo", {
...     "size": Param(int, 25, "population size (individuals)", low=2),
...     "rate": Param(float, 0.2, "share of feasible offspring", low=0, high=1),
... })
>>> p = space.resolve({"size": "40"})
>>> p.size, p["rate"], dict(p)
(40, 0.2, {'size': 40, 'rate': 0.2})
>>> space.resolve({"size": -5})
Traceback (most recent call last):
...
netopt.exceptions.SolverParameterError: demo: parameter size: -5 is out of range (valid: integer >= 2)
>>> space.resolve({"sise": 3})
Traceback (most recent call last):
...
netopt.exceptions.SolverParameterError: demo: unknown parameter 'sise' (valid: rate, size)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from .exceptions import SolverParameterError

_TRUE = ("1", "true", "yes")
_FALSE = ("0", "false", "no")
_TYPE_WORDS = {int: "integer", float: "number", bool: "true/false", str: "text"}


@dataclass(frozen=True)
class Param:
    """One declared parameter.

    ``type`` is ``int``, ``float``, ``bool``, ``str`` or a converter that returns the value or raises
    ``ValueError``/``TypeError`` (then ``valid`` says in words what it accepts). ``low``/``high``
    bound numbers (inclusive unless ``low_open``/``high_open``); ``special`` lists values accepted
    outside the range (e.g. ``0`` meaning "automatic"); ``choices`` restricts values to a set.
    """

    type: type
    default: Any
    help: str
    choices: tuple | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    special: tuple = ()
    valid: str | None = None

    def valid_text(self) -> str:
        """The valid values in words, e.g. ``integer >= 1`` or ``0 < number <= 1``."""
        if self.valid:
            return self.valid
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        word = _TYPE_WORDS.get(self.type, self.type.__name__)
        lo = None if self.low is None else f"{self.low:g} {'<' if self.low_open else '<='} "
        hi = None if self.high is None else f" {'<' if self.high_open else '<='} {self.high:g}"
        if lo and hi:
            text = f"{lo}{word}{hi}"
        elif lo:
            text = f"{word} {'>' if self.low_open else '>='} {self.low:g}"
        elif hi:
            text = f"{word}{hi}"
        else:
            text = word
        if self.special:
            text += " or " + ", ".join("none" if v is None else str(v) for v in self.special)
        return text

    def convert(self, owner: str, name: str, value: Any) -> Any:
        """``value`` as this parameter's type, checked; raises SolverParameterError."""

        def bad(why: str) -> SolverParameterError:
            return SolverParameterError(f"{owner}: parameter {name}: {why} (valid: {self.valid_text()})")

        if value is None and None in self.special:
            return None

        if self.type is bool:
            if isinstance(value, str):
                low = value.strip().lower()
                if low not in _TRUE + _FALSE:
                    raise bad(f"expected true/false, got {value!r}")
                return low in _TRUE
            if isinstance(value, (bool, int)) and value in (0, 1):
                return bool(value)
            raise bad(f"expected true/false, got {value!r}")
        if self.type is int:
            if isinstance(value, str):
                try:
                    value = int(value.strip())
                except ValueError:
                    raise bad(f"expected an integer, got {value!r}") from None
            elif isinstance(value, float) and value.is_integer():
                value = int(value)
            elif isinstance(value, bool) or not isinstance(value, int) and not hasattr(value, "__index__"):
                raise bad(f"expected an integer, got {value!r}")
            value = int(value)
        elif self.type is float:
            try:
                value = float(value.strip() if isinstance(value, str) else value)
            except (TypeError, ValueError):
                raise bad(f"expected a number, got {value!r}") from None
            if not math.isfinite(value):
                raise bad(f"{value!r} is not a finite number")
        elif self.type is str:
            if not isinstance(value, str):
                raise bad(f"expected text, got {value!r}")
        else:  # a typed object (e.g. a heatmap): the type converts and checks itself
            try:
                value = self.type(value)
            except (TypeError, ValueError) as e:
                raise bad(str(e) or f"cannot read {value!r}") from None
        if self.choices and value not in self.choices:
            raise bad(f"{value!r} is not one of the choices")
        if value in self.special or self.type not in (int, float):
            return value
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            raise bad(f"{value!r} is out of range")
        if self.high is not None and (value > self.high or (self.high_open and value == self.high)):
            raise bad(f"{value!r} is out of range")
        return value


class Params(Mapping):
    """Frozen, validated parameter values: a mapping with attribute access."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]):
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        raise AttributeError("Params are frozen; use ParamSpace.resolve to make new ones")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return "Params(" + ", ".join(f"{k}={v!r}" for k, v in self._values.items()) + ")"

    def to_json(self) -> dict[str, Any]:
        """The values for a Result: JSON types as they are, any other object by its type's name."""
        return {k: _jsonable(v) for k, v in self._values.items()}


Rule = tuple[Callable[[Params], bool], str]


class ParamSpace(Mapping):
    """The declared parameters of one owner (a solver, a search method), name -> :class:`Param`.

    ``rules`` are ``(predicate, message)`` pairs over the resolved values that tie parameters
    together (e.g. "nb_elite <= population_size"); a failing rule is reported with its message.
    The defaults are checked when the space is made, so a wrong declaration fails at import.
    """

    def __init__(self, owner: str, params: Mapping[str, Param], rules: Sequence[Rule] = ()):
        self.owner = owner
        self._params = dict(params)
        self.rules = tuple(rules)
        self.resolve()

    def __getitem__(self, name: str) -> Param:
        return self._params[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def resolve(self, given: Mapping[str, Any] | None = None) -> Params:
        """Defaults merged with ``given``, every value converted and range-checked."""
        given = dict(given or {})
        unknown = sorted(set(given) - set(self._params))
        if unknown:
            valid = ", ".join(sorted(self._params)) or "none"
            raise SolverParameterError(f"{self.owner}: unknown parameter {unknown[0]!r} (valid: {valid})")
        values = {}
        for k, p in self._params.items():
            values[k] = p.convert(self.owner, k, given[k] if k in given else p.default)
        out = Params(values)
        for ok, message in self.rules:
            if not ok(out):
                raise SolverParameterError(f"{self.owner}: {message}")
        return out

    def describe(self) -> dict[str, dict]:
        """JSON-ready declaration: type, default, help, valid values."""
        return {k: {"type": _TYPE_WORDS.get(p.type, "object"), "default": _jsonable(p.default), "help": p.help,
                    "valid": p.valid_text(), "choices": list(p.choices) if p.choices else None}
                for k, p in self._params.items()}


def _jsonable(v: Any) -> Any:
    return v if isinstance(v, (int, float, str, bool, type(None))) else type(v).__name__
