"""The synthetic generator's rendering for plugins: its macro mode on a face a plugin has (mmfnet
renders macro-expressions of its classes on training faces, for want of a macro-expression dataset).

Only the rendering side (mlbackend.synthetic.generator, .template, .aus): the face bank
(mlbackend.synthetic.faces) needs mediapipe and the annotator's alignment, which plugins never reach.
numpy at import; OpenCV inside the rendering functions.
"""

from mlbackend.synthetic.aus import EMOTIONS
from mlbackend.synthetic.generator import SyntheticConfig, make_clip, to_labeled_clip
from mlbackend.synthetic.template import FaceTemplate, mean_face_layout

__all__ = ["EMOTIONS", "FaceTemplate", "SyntheticConfig", "make_clip", "mean_face_layout", "to_labeled_clip"]
