"""Face landmarks and eye-line alignment.

Micro-expression pipelines align a whole clip with one similarity transform taken from
the first frame that shows a face: per-frame alignment would erase the very motion
coders look for. mediapipe's bundled face mesh gives 468 landmarks; when it finds no
face anywhere, OpenCV's Haar cascade gives a box and the eye line is estimated from it.
"""

from dataclasses import dataclass

import numpy as np

N_LANDMARKS = 468
# Face-mesh indices of the eye corners: the subject's right eye (image left), then left eye.
RIGHT_EYE_CORNERS = (33, 133)
LEFT_EYE_CORNERS = (362, 263)
# Where the eye centres land in the aligned crop, as fractions of its side.
TARGET_EYE_Y = 0.38
TARGET_EYE_X = (0.32, 0.68)


@dataclass(frozen=True)
class Alignment:
    matrix: np.ndarray  # 2x3 similarity transform, source pixels -> crop pixels
    size: int
    method: str  # "mediapipe" or "haar"
    reference_frame: int


class LandmarkDetector:
    """mediapipe face mesh in video mode (it tracks between frames, which is faster)."""

    def __init__(self):
        import mediapipe as mp

        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False, max_num_faces=1, refine_landmarks=False,
            min_detection_confidence=0.5, min_tracking_confidence=0.5,
        )

    def detect(self, frame_bgr: np.ndarray) -> np.ndarray | None:
        rgb = np.ascontiguousarray(frame_bgr[:, :, ::-1])
        result = self._mesh.process(rgb)
        if not result.multi_face_landmarks:
            return None
        height, width = frame_bgr.shape[:2]
        points = result.multi_face_landmarks[0].landmark
        return np.array([(p.x * width, p.y * height) for p in points[:N_LANDMARKS]], dtype=np.float32)

    def close(self) -> None:
        self._mesh.close()


def eye_centres_from_landmarks(landmarks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    right = landmarks[list(RIGHT_EYE_CORNERS)].mean(axis=0)
    left = landmarks[list(LEFT_EYE_CORNERS)].mean(axis=0)
    return right, left


def eye_centres_from_box(box: tuple[int, int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    x, y, w, h = box
    return np.array([x + 0.3 * w, y + 0.38 * h]), np.array([x + 0.7 * w, y + 0.38 * h])


def similarity_from_eyes(image_left_eye: np.ndarray, image_right_eye: np.ndarray, size: int) -> np.ndarray:
    source = np.asarray(image_right_eye, dtype=np.float64) - np.asarray(image_left_eye, dtype=np.float64)
    target_left = np.array([TARGET_EYE_X[0] * size, TARGET_EYE_Y * size])
    target_right = np.array([TARGET_EYE_X[1] * size, TARGET_EYE_Y * size])
    target = target_right - target_left
    scale = np.linalg.norm(target) / max(np.linalg.norm(source), 1e-6)
    angle = np.arctan2(target[1], target[0]) - np.arctan2(source[1], source[0])
    rotation = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    translation = target_left - rotation @ np.asarray(image_left_eye, dtype=np.float64)
    return np.hstack([rotation, translation[:, None]])


def haar_face_box(frame_bgr: np.ndarray) -> tuple[int, int, int, int] | None:
    import cv2

    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    grey = cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2GRAY)
    boxes = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(48, 48))
    if len(boxes) == 0:
        return None
    return tuple(int(v) for v in max(boxes, key=lambda b: b[2] * b[3]))


def alignment_from_landmarks(landmarks: np.ndarray, frame_id: int, size: int) -> Alignment:
    right, left = eye_centres_from_landmarks(landmarks)
    return Alignment(similarity_from_eyes(right, left, size), size, "mediapipe", frame_id)


def alignment_from_box(box: tuple[int, int, int, int], frame_id: int, size: int) -> Alignment:
    image_left, image_right = eye_centres_from_box(box)
    return Alignment(similarity_from_eyes(image_left, image_right, size), size, "haar", frame_id)


def warp_face(frame_bgr: np.ndarray, alignment: Alignment) -> np.ndarray:
    import cv2

    return cv2.warpAffine(
        frame_bgr, alignment.matrix, (alignment.size, alignment.size),
        flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
    )
