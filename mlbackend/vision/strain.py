"""Optical strain of a dense flow field (protocols.md, STSTNet's third input channel).

With the flow (u, v) in pixels and its spatial derivatives by finite differences
(np.gradient: central differences inside, one-sided at the border),

    strain = sqrt(ux^2 + vy^2 + 0.5 (uy + vx)^2),

the magnitude of the infinitesimal strain tensor e = [[ux, (uy + vx)/2], [(uy + vx)/2, vy]]
(its Frobenius norm). It is zero for a translation and for a rigid rotation, and reads the
stretch or shear of the skin, whatever the direction of the motion.

Numpy only: importing this module loads neither OpenCV nor torch.
"""

from __future__ import annotations

import numpy as np


def optical_strain(flow: np.ndarray, spacing: float = 1.0) -> np.ndarray:
    """HxW float32 strain magnitude of an HxWx2 flow (u to the right, v downwards) sampled every `spacing` px."""
    flow = np.asarray(flow, dtype=np.float64)
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f"Expected an HxWx2 flow field, got shape {flow.shape}.")
    if min(flow.shape[:2]) < 2:
        raise ValueError("The flow field needs at least 2 x 2 pixels for finite differences.")
    u, v = flow[:, :, 0], flow[:, :, 1]
    uy, ux = np.gradient(u, spacing)  # derivatives along rows (y) then columns (x)
    vy, vx = np.gradient(v, spacing)
    return np.sqrt(ux ** 2 + vy ** 2 + 0.5 * (uy + vx) ** 2).astype(np.float32)
