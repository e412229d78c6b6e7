"""Checkpoints: written atomically, read without unpickling anything.

A checkpoint is a dict of tensors, numbers, strings and lists saved by torch.save and read
back with torch.load(weights_only=True), which refuses arbitrary Python objects.
"""

import hashlib
import os
import tempfile
from pathlib import Path


def write_checkpoint(path: Path, state: dict) -> Path:
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            torch.save(state, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    fsync_directory(path.parent)
    return path


def fsync_directory(folder: Path) -> None:
    """Make a rename inside `folder` durable: the new directory entry reaches the disk."""
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def read_checkpoint(path: Path, *, device: str = "cpu") -> dict:
    import torch

    return torch.load(Path(path), map_location=device, weights_only=True)


def checkpoint_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as reader:
        while chunk := reader.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def model_version(name: str, version: str, checkpoint: Path) -> str:
    """Stable across machines: the same weights give the same version string."""
    return f"{name}-{version}+{checkpoint_digest(checkpoint)[:10]}"
