"""A test-only plugin: it learns class and AU frequencies and predicts them for every segment.

Cheap and deterministic, so tests exercise jobs, versions, the evaluator and the UI without
real training. Enabled only by the test settings.
"""

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from mlbackend.sdk import (
    AUS, EMOTION, SPOTTING, ClipInput, ClipPrediction, LabeledClip, Plugin, PredictedEvent, Progress, Segment,
    model_version, read_checkpoint, register, write_checkpoint,
)


@register
class DummyPlugin(Plugin):
    name = "dummy"
    version = "1.0"
    capabilities = frozenset({SPOTTING, EMOTION, AUS})
    description = "Predicts training-set frequencies (tests only)."

    def fit(self, train: Sequence[LabeledClip], *, workdir: Path, progress: Progress, device: str, seed: int) -> Path:
        events = [event for clip in train for event in clip.events]
        labels = list(self.labels) or sorted({event.emotion for event in events if event.emotion})
        counts = Counter(event.emotion for event in events if event.emotion in labels)
        au_counts = Counter(au.number for event in events for au in event.aus)
        progress(0.5, f"counted {len(events)} events")
        state = {
            "labels": labels,
            "priors": [counts[label] / max(1, sum(counts.values())) for label in labels],
            "aus": sorted(au_counts),
            "au_rates": [au_counts[n] / max(1, len(events)) for n in sorted(au_counts)],
            "subjects": sorted({clip.clip.subject for clip in train}),
        }
        checkpoint = write_checkpoint(Path(workdir) / "dummy.pt", state)
        progress(1.0, "done")
        return checkpoint

    def load(self, checkpoint: Path, *, device: str) -> None:
        self.state = read_checkpoint(checkpoint, device=device)
        self.labels = tuple(self.state["labels"])
        self.model_version = model_version(self.name, self.version, checkpoint)

    def _event(self, segment: Segment) -> PredictedEvent:
        return PredictedEvent(
            onset=segment.onset, apex=segment.apex, offset=segment.offset, score=0.5,
            emotion_probs=dict(zip(self.state["labels"], self.state["priors"])),
            au_probs=dict(zip(self.state["aus"], self.state["au_rates"])),
        )

    def predict(self, clips: Sequence[ClipInput]) -> list[ClipPrediction]:
        predictions = []
        for clip in clips:
            n = clip.n_frames
            segments = clip.segments or (Segment(n // 4, n // 2, max(n // 2, (3 * n) // 4)),)
            predictions.append(ClipPrediction(
                clip_id=clip.clip_id, events=tuple(self._event(s) for s in segments), score=0.5,
                model_version=self.model_version,
            ))
        return predictions
