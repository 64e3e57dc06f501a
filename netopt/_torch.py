"""torch plumbing shared by the learned parts (the GNN surrogate, the NCO policy): import, device,
seeding, threads and atomic checkpoint files.

This module sits below every package that uses torch (``netopt.gnn``, ``netopt.solvers.nco``, the
CLI), so they share one set of helpers without importing each other. Importing it does not import
torch: each helper imports it when called, and a missing torch is a
:class:`~netopt.exceptions.MissingDependencyError` (exit 4) with the install hint.

Examples
--------
>>> INSTALL_HINT
'pip install torch==2.13.0 "netopt[gnn]"'
>>> issubclass(DeviceError, NetoptError), DeviceError.exit_code
(True, 2)
"""

from __future__ import annotations

from pathlib import Path

from .exceptions import MissingDependencyError, NetoptError

INSTALL_HINT = 'pip install torch==2.13.0 "netopt[gnn]"'

#: device names accepted everywhere a device is chosen (``--device``, ``device=`` parameters)
DEVICES = ("auto", "cpu", "cuda")


class DeviceError(NetoptError):
    """A device that cannot be used here: ``cuda`` without CUDA, or an unknown device name."""

    exit_code = 2


def require_torch():
    """Import and return ``torch``, or raise :class:`MissingDependencyError` with the install hint."""
    try:
        import torch
    except ImportError:
        raise MissingDependencyError(f"the learned models (GNN surrogate, NCO policy) need torch: {INSTALL_HINT}") from None
    return torch


def pick_device(device: str = "auto") -> str:
    """``"auto"`` -> ``"cuda"`` when CUDA is available, else ``"cpu"``; ``"cpu"`` and ``"cuda"`` as given.

    ``"cuda"`` without CUDA and unknown names raise :class:`DeviceError` (exit 2).
    """
    torch = require_torch()
    device = str(getattr(device, "value", device))  # a CLI enum member
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device not in DEVICES:
        raise DeviceError(f"unknown device {device!r} ({', '.join(DEVICES)})")
    if device == "cuda" and not torch.cuda.is_available():
        raise DeviceError("--device cuda: CUDA is not available here (use --device auto or cpu)")
    return device


def seed_torch(seed: int) -> None:
    """Seed torch's global generators (CPU and CUDA) for a training run."""
    require_torch().manual_seed(int(seed))


def set_threads(n: int | None) -> None:
    """Use ``n`` torch CPU threads; ``None`` or 0 leaves torch's choice."""
    if n:
        require_torch().set_num_threads(int(n))


def save_torch(obj, path) -> None:
    """``torch.save`` through a temporary file in the same folder, so a failure leaves nothing behind."""
    torch = require_torch()
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    torch.save(obj, tmp)
    tmp.replace(path)


def load_torch(path, what: str, fmt: str) -> dict:
    """``torch.load(weights_only=True)`` of a netopt ``what`` ("dataset", "checkpoint") whose format
    tag is ``fmt`` (read from the dict itself or from its manifest); one-line errors otherwise."""
    torch = require_torch()
    path = Path(path)
    if not path.is_file():
        raise NetoptError(f"{path}: no such {what} file")
    try:
        obj = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - torch raises many kinds for a bad file
        raise NetoptError(f"{path}: not a netopt {what} ({type(e).__name__}: {str(e)[:120]})") from None
    tag = obj.get("format", obj.get("manifest", {}).get("format")) if isinstance(obj, dict) else None
    if tag != fmt:
        raise NetoptError(f"{path}: not a netopt {what} (expected format {fmt})")
    return obj


__all__ = ["DEVICES", "INSTALL_HINT", "DeviceError", "load_torch", "pick_device", "require_torch", "save_torch",
           "seed_torch", "set_threads"]
