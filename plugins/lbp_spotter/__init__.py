"""lbp_spotter: LBP chi-square feature-difference spotting (protocols.md).

Per frame i: uniform LBP (8 neighbours, radius 1, 59 bins; mlbackend.sdk.vision) histograms of
the grey face's 6 x 6 blocks at 126 px; per block the chi-square distance of frame i to the mean
of the histograms of frames i-k and i+k; F_i = mean of the top third of the 36 distances
(curve.py here). Then the same contrast (m = k - 1), threshold
T = mean(C) + p (max(C) - mean(C)), runs and length filters as mdmd, in a micro and a macro pass
with k from the fps (round(0.4 s x fps), round(1.3 s x fps)) or the dataset's.

Two choices beyond protocols.md, both parameters, chosen on a development set of long synthetic
videos (docs/spotting.md): each face is blurred (Gaussian, sigma `blur` = 1 px) before the LBP,
because 8-bit sensor noise flips the codes of smooth skin; and F is averaged over 0.1 s
(`smoothing` = 4 x fps / 40 frames, at most k / 2) before the contrast, because the frame-to-frame
noise of F otherwise breaks one movement into many short runs. Without them (blur 0,
smoothing 0) it is the plain method.

`fit` picks p per kind from `p_grid` on the training videos' F1 (MEGC rule); segments given
to `predict` are ignored.
"""

from __future__ import annotations

import numpy as np

from mlbackend.sdk import register
from mlbackend.sdk.spotting import FeatureDifferenceSpotter


@register
class LbpSpotterPlugin(FeatureDifferenceSpotter):
    name = "lbp_spotter"
    version = "1.0"
    description = "LBP chi-square feature-difference spotting of micro and macro intervals in long videos."
    requires = ("cv2", "torch")
    curve_rate = {"micro": 1e9, "macro": 1e9}  # histograms are cheap: every frame
    extra_defaults = {
        "radius": 1,
        "blur": 1.0,  # Gaussian sigma (px) before the LBP; 0: none
        "top": 1 / 3,
        "smoothing": 4.0,  # moving average of F over 4 x fps / 40 frames (0.1 s); 0: none
    }

    def resolved_params(self) -> dict:
        params = super().resolved_params()
        params["radius"], params["blur"] = int(params["radius"]), float(params["blur"])
        params["top"] = float(params["top"])
        if params["radius"] < 1:
            from mlbackend.sdk import PluginError

            raise PluginError("lbp_spotter: radius must be at least 1.")
        return params

    def feature_curve(self, faces, k: int, stride: int, params: dict) -> np.ndarray:
        from plugins.lbp_spotter.curve import lbp_difference_curve

        return lbp_difference_curve(faces, k, stride=stride, grid=params["grid"], radius=params["radius"],
                                    top=params["top"], blur=params["blur"])
