"""Turn row-aligned per-segment probabilities into ClipPredictions, the same way for every plugin."""

from collections.abc import Sequence

import numpy as np

from mlbackend.contract import ClipInput, ClipPrediction, PredictedEvent, Segment


def segment_predictions(
    wanted: Sequence[tuple[ClipInput, Sequence[Segment]]], probs: np.ndarray, *, names: Sequence,
    field: str, model_version: str,
) -> list[ClipPrediction]:
    """`probs` holds one row per segment, in the order of `wanted`; `field` is emotion_probs or au_probs."""
    predictions, row = [], 0
    for clip, segments in wanted:
        events = []
        for segment in segments:
            p = probs[row]
            row += 1
            events.append(PredictedEvent(
                onset=segment.onset, apex=segment.apex, offset=segment.offset, score=float(p.max()),
                **{field: {name: float(v) for name, v in zip(names, p)}},
            ))
        score = float(np.mean([e.score for e in events])) if events else 0.0
        predictions.append(ClipPrediction(clip_id=clip.clip_id, events=tuple(events), score=score,
                                          model_version=model_version))
    return predictions
