"""Seeded synthetic micro-expression clips rendered from real face photos (see docs/synthetic.md).

Pure numpy + OpenCV (imported where used); mediapipe only to build the face bank. No Django.

    bank = load_face_bank(folder)                      # aligned 128 px faces + 468 landmarks
    clips = make_dataset(bank, n_per_subject=9, seed=0)
    labeled = [to_labeled_clip(c) for c in clips]       # mlbackend.contract.LabeledClip
    video = make_long_video(bank[0], np.random.default_rng(1), SyntheticConfig(), n_events=3, n_distractors=3)
"""

from mlbackend.synthetic.aus import AU_SPECS, EMOTION_VARIANTS, EMOTIONS, build_field
from mlbackend.synthetic.faces import load_face_bank
from mlbackend.synthetic.generator import (
    RenderPlan, SyntheticClip, SyntheticConfig, SyntheticEvent, displacement_at, draw_timing, ground_truth,
    make_clip, make_dataset, make_long_video, render_clip, render_plan, to_labeled_clip, with_clean_nuisance,
    write_frames,
)
from mlbackend.synthetic.template import FaceTemplate, mean_face_layout

__all__ = [
    "AU_SPECS", "EMOTIONS", "EMOTION_VARIANTS", "FaceTemplate", "RenderPlan", "SyntheticClip", "SyntheticConfig",
    "SyntheticEvent", "build_field", "displacement_at", "draw_timing", "ground_truth", "load_face_bank",
    "make_clip", "make_dataset", "make_long_video", "mean_face_layout", "render_clip", "render_plan", "to_labeled_clip",
    "with_clean_nuisance", "write_frames",
]
