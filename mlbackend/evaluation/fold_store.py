"""Finished folds on disk, so that a long LOSO run resumes after an interruption.

A killed worker used to lose every fold it had finished. Each finished fold is now written as
one JSON file (its pooled samples and its summary) in a folder named by the run's key: a hash of
everything the numbers depend on (plugin, its version and parameters, labels, seed, protocol, and
the labelled data itself: clip ids, subjects, datasets, event timings, emotions and AUs). A retried
job (a new job row with the same parameters, over the same labels) finds the same folder and skips
the folds already there; a fold file also records its own split (held-out unit, train and test
clip ids), and a file whose split does not match is ignored, never trusted. Writes go to a temporary
file first and are renamed into place: a fold file is whole or absent.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from mlbackend.contract import LabeledClip


def run_key(*, plugin: str, version: str, params: dict | None, labels: Sequence[str], seed: int, protocol: str,
            data: Sequence[LabeledClip], aus: Sequence[int] | None = None) -> str:
    """A hash of what a LOSO run's numbers depend on."""
    clips = [[str(c.clip.clip_id), c.clip.subject, c.clip.dataset,
              [[e.onset, e.apex, e.offset, e.emotion, sorted(a.number for a in e.aus)] for e in c.events]]
             for c in data]
    payload = {"plugin": plugin, "version": version, "params": params or {}, "labels": list(labels), "seed": seed,
               "protocol": protocol, "aus": sorted(aus) if aus is not None else None, "clips": clips}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _split(unit: str, train: Sequence[LabeledClip], test: Sequence[LabeledClip]) -> str:
    ids = {"unit": unit, "train": sorted(str(c.clip.clip_id) for c in train),
           "test": sorted(str(c.clip.clip_id) for c in test)}
    return hashlib.sha256(json.dumps(ids).encode()).hexdigest()


def pooled_sample(row: dict):
    """A recognition fold's saved row (JSON turned tuples into lists and AU numbers into strings)."""
    from mlbackend.evaluation.loso import PooledSample

    return PooledSample(**{**row, "true_aus": tuple(row["true_aus"]),
                           "au_probs": {int(n): p for n, p in row["au_probs"].items()}})


class FoldStore:
    """Finished folds of one run under `folder` (the recognition and spotting evaluators and loso_fast use it)."""

    def __init__(self, folder: Path, decode: Callable[[dict], object] | None = None):
        self.folder = Path(folder)
        self.decode = decode or pooled_sample  # a saved sample row back into the evaluator's dataclass

    def _path(self, index: int) -> Path:
        return self.folder / f"fold-{index:03d}.json"

    def load(self, index: int, unit: str, train, test) -> tuple[list, dict] | None:
        """(pooled samples, fold summary) of a finished fold with this very split, or None."""
        path = self._path(index)
        try:
            saved = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        if saved.get("split") != _split(unit, train, test):
            return None
        return [self.decode(row) for row in saved["samples"]], {**saved["summary"], "resumed": True}

    def save(self, index: int, unit: str, train, test, samples: Sequence, summary: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"split": _split(unit, train, test), "summary": summary,
                           "samples": [dataclasses.asdict(s) for s in samples]})
        temporary = self._path(index).with_suffix(".tmp")
        temporary.write_text(body)
        os.replace(temporary, self._path(index))

    def finished(self) -> int:
        return len(list(self.folder.glob("fold-*.json"))) if self.folder.is_dir() else 0

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
