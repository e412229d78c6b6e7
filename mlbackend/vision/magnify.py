"""Eulerian motion magnification (Wu et al., SIGGRAPH 2012), for short face clips.

    1. Each frame (float, YIQ for colour) is split into a Laplacian pyramid (cv2.pyrDown/pyrUp).
    2. Every pyramid coefficient is band-pass filtered along time: "ideal" (FFT, zeroing the
       frequencies outside [fl, fh] Hz) or "butterworth" (scipy, zero-phase sosfiltfilt, so the
       magnified motion is not delayed against the video).
    3. The band-passed signal of level l is multiplied by alpha_l and added back:
       out = frame + collapse(alpha_l * bandpassed_l). Following the paper, with lambda the
       representative wavelength of a level (the frame's diagonal / 3 at the coarsest level,
       halving at each finer one) and delta = lambda_c / 8 / (1 + alpha),
       alpha_l = min(alpha, 2 (lambda / delta / 8 - 1)), and the finest level and the low-pass
       residual are not amplified. Fine levels, where (1 + alpha) delta would exceed lambda / 8
       and the first-order approximation breaks into artefacts, get less.
    4. Back to BGR, rounded and clipped to uint8.

The magnified motion is about (1 + alpha) x the original while (1 + alpha) * displacement stays
below lambda / 8 of the structures that move. Chrominance (I, Q) is amplified by
alpha * chrom_attenuation. A static clip comes back unchanged: the band-pass removes DC.

Memory: the pyramid of the whole clip is held as float32 (about 1.4 x frames x H x W x C x 4 bytes;
13 MB for 60 frames of 128 x 128 BGR). cv2 and scipy are imported when first used.
"""

from __future__ import annotations

import math

import numpy as np

# RGB <-> YIQ (NTSC), as in Wu et al.'s code; frames here are BGR.
_RGB_TO_YIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], dtype=np.float32)
_BGR_TO_YIQ = _RGB_TO_YIQ[:, ::-1].copy()
_YIQ_TO_BGR = np.linalg.inv(_BGR_TO_YIQ).astype(np.float32)


def default_levels(height: int, width: int) -> int:
    """Laplacian bands down to a low-pass residual of at least 4 px (5 bands at 128 x 128)."""
    return max(1, int(math.floor(math.log2(max(min(height, width), 8)))) - 2)


def laplacian_pyramid(image: np.ndarray, levels: int) -> list[np.ndarray]:
    """`levels` band-pass images (finest first) then the low-pass residual; float32, collapse() inverts it exactly."""
    import cv2

    current = np.asarray(image, dtype=np.float32)
    pyramid = []
    for _ in range(levels):
        down = cv2.pyrDown(current)
        up = cv2.pyrUp(down, dstsize=(current.shape[1], current.shape[0]))
        pyramid.append(current - up.reshape(current.shape))
        current = down
    pyramid.append(current)
    return pyramid


def collapse_pyramid(pyramid: list[np.ndarray]) -> np.ndarray:
    """The image whose Laplacian pyramid this is."""
    import cv2

    current = pyramid[-1]
    for band in reversed(pyramid[:-1]):
        current = cv2.pyrUp(current, dstsize=(band.shape[1], band.shape[0])).reshape(band.shape) + band
    return current


def level_alphas(height: int, width: int, levels: int, alpha: float, lambda_c: float) -> list[float]:
    """Amplification per pyramid entry (finest band first, residual last), Wu et al. 2012."""
    delta = lambda_c / 8.0 / (1.0 + alpha)
    wavelength = math.hypot(height, width) / 3.0  # representative wavelength of the coarsest entry
    alphas = []
    for entry in reversed(range(levels + 1)):  # coarsest (the residual) to finest
        if entry == levels or entry == 0:
            alphas.append(0.0)
        else:
            alphas.append(float(min(alpha, max(0.0, 2.0 * (wavelength / delta / 8.0 - 1.0)))))
        wavelength /= 2.0
    return alphas[::-1]


def temporal_bandpass(signal: np.ndarray, fps: float, fl: float, fh: float, kind: str = "ideal",
                      order: int = 1) -> np.ndarray:
    """`signal` (time first) band-passed between fl and fh Hz, float32.

    ideal: FFT along time, frequencies outside [fl, fh] zeroed (periodic: best on clips that
    start and end alike). butterworth: a Butterworth band-pass of `order` (low-pass when fl is
    0, high-pass when fh reaches fps / 2) run forwards and backwards (zero phase).
    """
    signal = np.asarray(signal, dtype=np.float32)
    n = signal.shape[0]
    nyquist = fps / 2.0
    if kind == "ideal":
        frequencies = np.fft.rfftfreq(n, d=1.0 / fps)
        keep = (frequencies >= fl) & (frequencies <= fh)
        spectrum = np.fft.rfft(signal, axis=0)
        spectrum[~keep] = 0
        return np.fft.irfft(spectrum, n=n, axis=0).astype(np.float32)
    if kind != "butterworth":
        raise ValueError(f"Unknown temporal filter {kind!r}; choose 'ideal' or 'butterworth'.")
    from scipy import signal as sp

    if fl <= 0 and fh >= nyquist:
        return signal - signal.mean(axis=0, keepdims=True)
    if fl <= 0:
        sos = sp.butter(order, fh, btype="lowpass", fs=fps, output="sos")
    elif fh >= nyquist:
        sos = sp.butter(order, fl, btype="highpass", fs=fps, output="sos")
    else:
        sos = sp.butter(order, [fl, fh], btype="bandpass", fs=fps, output="sos")
    padlen = min(3 * (2 * len(sos) + 1), n - 1)
    return sp.sosfiltfilt(sos, signal, axis=0, padlen=padlen).astype(np.float32)


def _as_stack(frames) -> np.ndarray:
    if isinstance(frames, np.ndarray):
        return frames
    return np.stack([np.asarray(frames[i]) for i in range(len(frames))])


def magnify_motion(
    frames, fps: float, fl: float, fh: float, alpha: float, *, lambda_c: float = 16.0,
    levels: int | None = None, temporal_filter: str = "ideal", order: int = 1, chrom_attenuation: float = 0.1,
) -> np.ndarray:
    """Eulerian magnification of the motion between fl and fh Hz in a clip, by about 1 + alpha.

    frames: (n, H, W, 3) BGR or (n, H, W) grey uint8 (an array or a FrameSource), n >= 2.
    lambda_c: the spatial wavelength (px) below which the amplification is cut back.
    Returns uint8 frames of the input's shape.
    """
    stack = _as_stack(frames)
    if stack.ndim not in (3, 4) or (stack.ndim == 4 and stack.shape[3] != 3):
        raise ValueError(f"Expected (n, H, W, 3) BGR or (n, H, W) grey frames, got shape {stack.shape}.")
    n, height, width = stack.shape[:3]
    if n < 2:
        raise ValueError("Magnification needs at least 2 frames.")
    if fps <= 0 or not 0 <= fl < fh:
        raise ValueError(f"Need fps > 0 and 0 <= fl < fh, got fps={fps}, fl={fl}, fh={fh}.")
    if alpha < 0 or lambda_c <= 0:
        raise ValueError(f"Need alpha >= 0 and lambda_c > 0, got alpha={alpha}, lambda_c={lambda_c}.")
    levels = default_levels(height, width) if levels is None else int(levels)
    if levels < 1 or min(height, width) >> levels < 1:
        raise ValueError(f"{levels} pyramid levels do not fit a {height} x {width} frame.")

    colour = stack.ndim == 4
    data = stack.astype(np.float32) / 255.0
    if colour:
        data = data @ _BGR_TO_YIQ.T
    pyramids = [laplacian_pyramid(frame, levels) for frame in data]  # per frame, per level
    alphas = level_alphas(height, width, levels, alpha, lambda_c)
    gains = np.array([1.0, chrom_attenuation, chrom_attenuation], dtype=np.float32) if colour else np.float32(1.0)

    amplified = [[None] * (levels + 1) for _ in range(n)]
    for level in range(levels + 1):
        level_alpha = alphas[level]
        for t in range(n):
            amplified[t][level] = np.zeros_like(pyramids[t][level])
        if level_alpha == 0.0:
            continue
        filtered = temporal_bandpass(np.stack([p[level] for p in pyramids]), fps, fl, fh, temporal_filter, order)
        filtered *= level_alpha * gains
        for t in range(n):
            amplified[t][level] = filtered[t]
    del pyramids

    out = np.empty_like(data)
    for t in range(n):
        out[t] = data[t] + collapse_pyramid(amplified[t])
    if colour:
        out = out @ _YIQ_TO_BGR.T
    return np.clip(np.rint(out * 255.0), 0, 255).astype(np.uint8)
