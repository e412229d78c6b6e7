"""mdmd: main directional maximal difference spotting (the MEGC2020 baseline, protocols.md).

Per frame i: DIS optical flow (TV-L1 or Farneback as options) from frame i-k to i and from i-k to
i+k on the grey face (clip.faces when present, else the frames cropped to the landmarks' box),
at 126 px (`size` 128 rounded down to a multiple of the 6 x 6 grid); per block the pixels of
the main quadrant direction, R = |flow(i-k..i)| - |flow(i-k..i+k)|, block value = mean of the top
third of R, F_i = mean of the top third of the 36 block values (plugins/mdmd/curve.py). Then the
shared machinery (mlbackend.sdk.spotting): contrast C_i = F_i - (F_{i-m} + F_{i+m}) / 2 with
m = k - 1, T = mean(C) + p (max(C) - mean(C)), runs above T, length filters.

Two passes: micro (k = round(0.4 s x fps): 80 at 200 fps, 12 at 30 fps) and macro
(k = round(1.3 s x fps)); for CAS(ME)^2 and SAMM-LV protocols.md's k and length filters.
The curve is measured every `stride` frames and interpolated: by default about 200 samples a
second for micro (every frame up to 200 fps) and 25 a second for macro (macro movements last
0.5 s or more).

`fit` picks p per kind from `p_grid` on the training videos' F1 (MEGC rule); segments given
to `predict` are ignored.
"""

from __future__ import annotations

import numpy as np

from mlbackend.sdk import register
from mlbackend.sdk.spotting import FeatureDifferenceSpotter


@register
class MdmdPlugin(FeatureDifferenceSpotter):
    name = "mdmd"
    version = "1.0"
    description = "MDMD optical-flow spotting of micro and macro intervals in long videos (MEGC2020 baseline)."
    extra_defaults = {
        "flow": "dis",  # "dis" (DIS medium), "dis_fast", "dis_ultrafast", "farneback" or "tvl1" (~80 x slower)
        "top": 1 / 3,  # share of pixels per block, and of blocks, averaged
    }

    def resolved_params(self) -> dict:
        params = super().resolved_params()
        from plugins.mdmd.curve import flow_methods

        if params["flow"] not in flow_methods():
            from mlbackend.sdk import PluginError

            raise PluginError(f"mdmd: unknown flow {params['flow']!r}; choose from {flow_methods()}.")
        params["top"] = float(params["top"])
        return params

    def feature_curve(self, faces, k: int, stride: int, params: dict) -> np.ndarray:
        from plugins.mdmd.curve import mdmd_curve

        return mdmd_curve(faces, k, stride=stride, grid=params["grid"], top=params["top"], method=params["flow"])
