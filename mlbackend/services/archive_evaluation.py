"""`manage.py evaluate --archive`: the shared evaluator on a training archive instead of a project.

Same label space, AU set, plugin settings, seed and evaluator as an evaluation job on the project
the archive came from, so the figures are the same. Recognition and AU detection only: an
archive holds onset and apex faces, not the whole videos a spotter scans.
"""

import tempfile
from pathlib import Path
from types import SimpleNamespace

from mlbackend.contract import AUS, EMOTION
from mlbackend.evaluation.loso import LosoResult, loso_evaluate
from mlbackend.exports.archive import archive_read
from mlbackend.services.runtime import label_space, make_plugin, pick_device


def archive_evaluate(*, path: Path, plugin: str, labels: list[str] | None = None, seed: int = 0,
                     plugin_params: dict | None = None, progress=lambda fraction, message: None,
                     protocol: str = "loso") -> LosoResult:
    archive = archive_read(path)
    manifest = archive.manifest
    capabilities = make_plugin(plugin).capabilities
    if not capabilities & {EMOTION, AUS}:
        raise ValueError(f"{plugin} neither recognises emotions nor detects AUs; an archive holds no videos to spot in.")
    aus = list(manifest.get("au_set", []))
    aus_only = AUS in capabilities and EMOTION not in capabilities
    chosen = [] if aus_only else label_space(SimpleNamespace(emotion_labels=manifest["emotion_labels"]),
                                             archive.clips, labels)
    if not aus_only and len(chosen) < 2:
        raise ValueError(f"Recognition needs codes of at least two emotions; found {chosen or 'none'}.")

    def factory():
        return make_plugin(plugin, labels=chosen, aus=aus, params=plugin_params)

    with tempfile.TemporaryDirectory(prefix="archive-eval-") as workdir:
        return loso_evaluate(factory, archive.clips, labels=chosen, workdir=Path(workdir), progress=progress,
                             device=pick_device(), seed=seed, aus=aus, protocol=protocol)
