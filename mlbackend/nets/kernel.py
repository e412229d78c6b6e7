"""Building and loading the fused STSTNet kernel (ststnet_kernel.cpp beside this file).

Compiled once per source, compiler and CPU with -march=native, cached in a private folder, loaded with
ctypes. Any failure (no compiler, a read-only cache) leaves the plain PyTorch step to train.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

log = logging.getLogger(__name__)
CHUNK = 32  # samples per kernel call: partial sums per chunk, added in order (same result for any thread count)
KERNEL_SOURCE = Path(__file__).with_name("ststnet_kernel.cpp").read_text()

_lock = threading.Lock()
_kernel: ctypes.CDLL | None = None
_kernel_error: str | None = None
ABI = 4


def _cache_dir() -> Path:
    root = os.environ.get("MESTUDIO_KERNEL_CACHE") or os.environ.get("XDG_CACHE_HOME") or (Path.home() / ".cache")
    return Path(root) / "mestudio" / "kernels"


def _cpu_key() -> str:
    """-march=native code must not run on another CPU: the cache key holds the CPU's flags."""
    try:
        flags = next((line for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("flags")), "")
    except OSError:
        flags = ""
    return f"{platform.machine()}|{platform.processor()}|{flags}"


def compiler() -> str | None:
    return os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")


def load_kernel() -> ctypes.CDLL | None:
    """The compiled kernel (built once per source, compiler and CPU, then cached), or None when it cannot be built."""
    global _kernel, _kernel_error
    with _lock:
        if _kernel is not None or _kernel_error is not None:
            return _kernel
        if os.environ.get("MESTUDIO_NO_KERNEL"):
            _kernel_error = "disabled by MESTUDIO_NO_KERNEL"
            return None
        try:
            _kernel = _build()
        except Exception as exc:  # no compiler, a compiler error, a read-only cache...: the plain step
            _kernel_error = f"{type(exc).__name__}: {exc}"
            log.warning("STSTNet fused kernel unavailable (%s); training with the plain step.", _kernel_error)
        return _kernel


def kernel_error() -> str | None:
    return _kernel_error


def _build(lanes: int | None = None) -> ctypes.CDLL:
    """Compile (or load from the cache) the kernel; `lanes` forces the vector width (4, 8 or 16 floats)
    instead of the CPU's own."""
    cxx = compiler()
    if cxx is None:
        raise RuntimeError("no C++ compiler (c++, g++ or clang++) on PATH")
    if lanes not in (None, 4, 8, 16):
        raise ValueError(f"lanes {lanes}: 4, 8 or 16")
    flags = ["-O3", "-march=native", "-shared", "-fPIC", "-std=c++17", "-Wno-psabi",
             *([f"-DSTSTNET_LANES={lanes}"] if lanes else [])]
    version = subprocess.run([cxx, "--version"], capture_output=True, text=True, check=False).stdout
    key = hashlib.sha256("\n".join([KERNEL_SOURCE, cxx, version, *flags, _cpu_key()]).encode()).hexdigest()[:20]
    folder = _cache_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"ststnet-{key}.so"
    if target.exists():
        _check_private(target)
    else:
        with tempfile.TemporaryDirectory(dir=folder) as work:
            source = Path(work) / "ststnet.cpp"
            source.write_text(KERNEL_SOURCE)
            built = Path(work) / "ststnet.so"
            result = subprocess.run([cxx, *flags, "-o", str(built), str(source)], capture_output=True, text=True,
                                    check=False)
            if result.returncode != 0:
                raise RuntimeError(f"{cxx} failed: {result.stderr[-2000:]}")
            os.replace(built, target)  # atomic: concurrent builders leave one complete file
    lib = ctypes.CDLL(str(target))
    pointer, integer = ctypes.c_void_p, ctypes.c_int
    lib.ststnet_abi.restype = integer
    lib.ststnet_max_classes.restype = integer
    lib.ststnet_chunk.restype = integer
    lib.ststnet_lanes.restype = integer
    lib.ststnet_forward.argtypes = [integer, pointer, pointer, integer] + [pointer] * 7
    lib.ststnet_forward.restype = None
    lib.ststnet_head.argtypes = [integer, integer, integer] + [pointer] * 7 + [ctypes.c_float] + [pointer] * 5
    lib.ststnet_head.restype = None
    lib.ststnet_backward.argtypes = [integer, pointer, pointer, integer] + [pointer] * 8
    lib.ststnet_backward.restype = None
    if lib.ststnet_abi() != ABI or lib.ststnet_chunk() != CHUNK:
        raise RuntimeError("stale kernel in the cache")
    return lib


def _check_private(path: Path) -> None:
    """Load only a library this user built: owned by us, writable by nobody else (the folder too)."""
    for item in (path, path.parent):
        info = item.stat()
        if hasattr(os, "getuid") and (info.st_uid != os.getuid() or info.st_mode & 0o022):
            raise RuntimeError(f"{item} is not private to this user (owner or group/other write): not loaded")
