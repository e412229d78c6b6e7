"""Pure vision helpers shared by plugins: optical flow, flow features on a face grid, local binary patterns,
motion curves, temporal normalisation (TIM).

Nothing here imports cv2 or torch at module level (web processes import every plugin at start).
"""

from mlbackend.vision.face import FaceFrames, face_box, prepare_face
from mlbackend.vision.features import cell_bounds, cell_histograms, cell_index, cell_means, flow_magnitude, hoof_grid
from mlbackend.vision.flow import (
    FLOW_METHODS, dense_flow, face_flow, global_shift, register_flow_method, to_grey,
)
from mlbackend.vision.lbp import (
    N_UNIFORM_BINS, UNIFORM_TABLE, block_histograms, chi_square, lbp_codes, offset_codes, transitions, uniform_lbp,
)
from mlbackend.vision.motion import (
    Interval, MotionMeter, baseline_and_noise, frame_motion, motion_curve, segment_iou, smooth, smoothing_window,
    spot_intervals,
)
from mlbackend.vision.temporal import normalise_length, tim_weights

__all__ = [
    "FLOW_METHODS", "FaceFrames", "Interval", "MotionMeter", "N_UNIFORM_BINS", "UNIFORM_TABLE", "baseline_and_noise",
    "block_histograms", "cell_bounds", "cell_histograms", "cell_index", "cell_means", "chi_square", "dense_flow",
    "face_box", "face_flow", "flow_magnitude", "frame_motion", "global_shift", "hoof_grid", "lbp_codes",
    "motion_curve", "normalise_length", "offset_codes", "prepare_face", "register_flow_method", "segment_iou", "smooth",
    "smoothing_window", "spot_intervals", "tim_weights", "to_grey", "transitions", "uniform_lbp",
]
