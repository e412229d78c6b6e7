"""ensemble: the mean of the class probabilities of chosen emotion plugins, each trained in the same fold.

The shared evaluator calls this plugin's fit once per fold with that fold's training subjects;
fit trains every member on exactly those clips (same seed, its own work folder), so no member
ever sees a test subject, and the average is fixed in advance: no weights, no member choice and
no epoch are picked on anything (no second-level selection). Predict: each member's emotion
probabilities per segment, averaged over the members (a label a member lacks counts 0 there).
A clip without segments is segmented by the first member and those segments go to the others,
so every member scores the same events.

Params: members (comma-separated registered emotion plugins), member_params (JSON: plugin name
-> its params). Checkpoint: every member's checkpoint state embedded (tensors, numbers, strings).
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mlbackend.sdk import (
    EMOTION, ClipInput, ClipPrediction, LabeledClip, Plugin, PluginError, Progress, Segment, get_plugin_class,
    model_version, read_checkpoint, register, segment_predictions, write_checkpoint,
)

FORMAT = 1
# Members whose published recipes train stably on a CPU (bdcnn's ISDA loss diverged on the synthetic set: docs/models.md).
DEFAULTS = {"members": "ststnet,dual_inception,featref", "member_params": "{}"}


@register
class EnsemblePlugin(Plugin):
    name = "ensemble"
    version = "1.0"
    capabilities = frozenset({EMOTION})
    description = ("Ensemble: the mean class probabilities of chosen emotion plugins, each trained on the same fold's "
                   "training subjects; nothing selected on test subjects. Emotion only.")
    SMOKE_PARAMS = {"members": "dual_inception,featref", "member_params": json.dumps({
        "dual_inception": {"epochs": 2, "hidden": 16, "flow": "dis"}, "featref": {"epochs": 2, "flow": "dis"}})}

    def settings(self) -> dict:
        unknown = set(self.params) - set(DEFAULTS)
        if unknown:
            raise PluginError(f"ensemble does not know the parameters {sorted(unknown)}; it takes {sorted(DEFAULTS)}.")
        params = {**DEFAULTS, **self.params}
        members = [m.strip() for m in str(params["members"]).split(",") if m.strip()]
        if not members or len(set(members)) != len(members) or self.name in members:
            raise PluginError("ensemble: members is a comma-separated list of distinct plugins other than itself.")
        for member in members:
            if EMOTION not in get_plugin_class(member).capabilities:
                raise PluginError(f"ensemble: {member} does not recognise emotions.")
        try:
            member_params = json.loads(params["member_params"]) if isinstance(params["member_params"], str) \
                else dict(params["member_params"])
        except (TypeError, ValueError):
            raise PluginError("ensemble: member_params is a JSON object, plugin name -> params.") from None
        if not isinstance(member_params, dict) or set(member_params) - set(members) or \
                not all(isinstance(v, dict) for v in member_params.values()):
            raise PluginError("ensemble: member_params maps member names to objects of params.")
        return {"members": members, "member_params": member_params}

    # -- the shared evaluator's fold-parallel path (mlbackend.nets.fast.loso_fast): the members' input maps are
    #    computed once for the whole run and shared by all members and folds (same clip, segment, flow settings).
    fold_parallel = True
    _cache: dict | None = None

    def share_cache(self, cache: dict) -> None:
        self._cache = cache

    def precompute(self, items, progress: Progress | None = None) -> None:
        params = self.settings()
        for name in params["members"]:
            member = self._member(name, params)
            if hasattr(member, "precompute"):
                member.precompute(items, progress)

    def _member(self, name: str, params: dict) -> Plugin:
        member = get_plugin_class(name)(labels=self.labels, aus=self.aus, params=params["member_params"].get(name))
        if self._cache is not None and hasattr(member, "share_cache"):
            member.share_cache(self._cache)
        return member

    def fit(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int) -> Path:
        return self.fit_inner(train, workdir=workdir, progress=progress, device=device, seed=seed)

    def fit_inner(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int,
                  should_stop=None) -> Path:
        """Every member's own fit (each sets its torch state as it does alone) on these clips and this seed."""
        params = self.settings()
        members, states = params["members"], {}
        for i, name in enumerate(members):
            def scaled(fraction: float, message: str, i: int = i, name: str = name) -> None:
                progress((i + fraction) / len(members), f"{name}: {message}")

            if should_stop is not None and should_stop():
                break
            member = self._member(name, params)
            checkpoint = member.fit(train, workdir=Path(workdir) / name, progress=scaled, device=device, seed=seed)
            states[name] = read_checkpoint(checkpoint, device="cpu")
        if len(states) < len(members):
            raise PluginError("ensemble: stopped before every member was trained.")
        labels = list(self.labels) or list(states[members[0]]["labels"])
        state = {"format": FORMAT, "labels": labels, "members": members, "states": states,
                 "member_params": json.dumps(params["member_params"], sort_keys=True), "seed": int(seed)}
        checkpoint = write_checkpoint(Path(workdir) / f"{self.name}.pt", state)
        self.load(checkpoint, device=device)
        progress(1.0, f"trained {len(members)} members")
        return checkpoint

    def load(self, checkpoint: Path, *, device: str) -> None:
        state = read_checkpoint(checkpoint, device="cpu")
        if state.get("format") != FORMAT or "states" not in state:
            raise PluginError(f"{checkpoint} is not an ensemble checkpoint of format {FORMAT}.")
        params = {"member_params": json.loads(state["member_params"])}
        self.labels = tuple(state["labels"])
        loaded = []
        with tempfile.TemporaryDirectory(prefix="ensemble-") as folder:
            for name in state["members"]:
                member = self._member(name, params)
                member.load(write_checkpoint(Path(folder) / f"{name}.pt", state["states"][name]), device=device)
                loaded.append(member)
        self._members = loaded
        self.model_version = model_version(self.name, self.version, checkpoint)

    def predict(self, clips: Sequence[ClipInput]) -> list[ClipPrediction]:
        if not hasattr(self, "_members"):
            raise PluginError("ensemble: call load(checkpoint) (or fit) before predict.")
        if not clips:
            return []
        first = self._members[0].predict(clips)
        wanted = [clip if clip.segments else dataclasses.replace(clip, segments=self._segments_of(prediction))
                  for clip, prediction in zip(clips, first)]
        per_member = [first] + [member.predict(wanted) for member in self._members[1:]]
        probs = np.zeros((sum(len(c.segments) for c in wanted), len(self.labels)))
        for predictions in per_member:
            rows = [[event.emotion_probs.get(label, 0.0) for label in self.labels]
                    for prediction in predictions for event in prediction.events]
            probs += np.asarray(rows, dtype=np.float64).reshape(probs.shape)
        probs /= len(per_member)
        return segment_predictions([(clip, clip.segments) for clip in wanted], probs, names=self.labels,
                                   field="emotion_probs", model_version=self.model_version)

    @staticmethod
    def _segments_of(prediction: ClipPrediction) -> tuple[Segment, ...]:
        return tuple(Segment(e.onset, e.apex, e.offset) for e in prediction.events)
