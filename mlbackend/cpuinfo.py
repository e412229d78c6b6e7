"""The CPU a model was trained (or a trainer calibrated) on, as a small JSON-able fingerprint.

A trained model's speed, and which trainer is fastest, depend on the CPU: the fused STSTNet kernel
is compiled for the CPU's vector width (-march=native), so the model version records the CPU
model, its vector extensions and its core count next to the trainer that ran (docs/loso-speed.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from functools import lru_cache
from pathlib import Path

# The extensions that decide how wide the kernels' vectors are, in the order docs name them.
VECTOR_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16",
                "amx_tile", "asimd", "sve", "sve2")


def _cpuinfo_fields(text: str) -> dict[str, str]:
    """The first processor's `key: value` lines of /proc/cpuinfo (every processor repeats them)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        key, _, value = line.partition(":")
        fields.setdefault(key.strip().lower(), value.strip())
    return fields


def parse_cpuinfo(text: str) -> dict:
    """(model, vector extensions) from /proc/cpuinfo text; `flags` on x86, `features` on ARM."""
    fields = _cpuinfo_fields(text)
    flags = set((fields.get("flags") or fields.get("features") or "").split())
    model = fields.get("model name") or fields.get("hardware") or fields.get("cpu model") or ""
    return {"model": model, "vector": [flag for flag in VECTOR_FLAGS if flag in flags]}


@lru_cache(maxsize=1)
def cpu_fingerprint() -> dict:
    """{"model", "vector", "arch", "cores", "usable_cores"}: what the CPU is, not how loaded it is."""
    try:
        parsed = parse_cpuinfo(Path("/proc/cpuinfo").read_text())
    except OSError:  # not Linux: the platform's own name, extensions unknown
        parsed = {"model": platform.processor(), "vector": []}
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {**parsed, "model": parsed["model"] or platform.processor() or "unknown", "arch": platform.machine(),
            "cores": os.cpu_count() or 1, "usable_cores": usable or 1}


def fingerprint_key(fingerprint: dict | None = None) -> str:
    """A short stable key of a fingerprint (file names of per-CPU caches)."""
    text = json.dumps(fingerprint or cpu_fingerprint(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def describe(fingerprint: dict | None = None) -> str:
    """'AMD EPYC, x86_64, 2 of 54 cores, avx avx2 fma' (pages, logs, the benchmark)."""
    fp = fingerprint or cpu_fingerprint()
    vector = " ".join(fp.get("vector") or []) or "no vector extensions named"
    cores = fp.get("cores")
    usable = fp.get("usable_cores", cores)
    return f"{fp.get('model', 'unknown')}, {fp.get('arch', '')}, {usable} of {cores} cores usable, {vector}"
