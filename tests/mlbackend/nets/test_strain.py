import numpy as np
import pytest

from mlbackend.vision.strain import optical_strain

SIDE = 32


def field(u, v):
    y, x = np.mgrid[0:SIDE, 0:SIDE].astype(np.float64)
    return np.stack([u(x, y) * np.ones_like(x), v(x, y) * np.ones_like(x)], axis=-1)


def test_translation_has_no_strain():
    assert np.abs(optical_strain(field(lambda x, y: 1.7, lambda x, y: -0.4))).max() == 0


def test_linear_stretch_reads_its_rate():
    a = 0.03
    assert optical_strain(field(lambda x, y: a * x, lambda x, y: 0 * x)) == pytest.approx(np.full((SIDE, SIDE), a))
    assert optical_strain(field(lambda x, y: 0 * x, lambda x, y: -a * y)) == pytest.approx(np.full((SIDE, SIDE), a))
    both = optical_strain(field(lambda x, y: a * x, lambda x, y: 2 * a * y))
    assert both == pytest.approx(np.full((SIDE, SIDE), np.sqrt(5) * a))


def test_shear_reads_half_the_rate_times_root_two():
    """u = b y: ux = vy = vx = 0, uy = b, so strain = sqrt(0.5 b^2) = b / sqrt(2)."""
    b = 0.05
    assert optical_strain(field(lambda x, y: b * y, lambda x, y: 0 * x)) == pytest.approx(
        np.full((SIDE, SIDE), b / np.sqrt(2)))
    # pure shear both ways (uy = vx = b): sqrt(0.5 (2b)^2) = sqrt(2) b
    assert optical_strain(field(lambda x, y: b * y, lambda x, y: b * x)) == pytest.approx(
        np.full((SIDE, SIDE), np.sqrt(2) * b))


def test_rigid_rotation_has_no_strain():
    w = 0.02  # u = -w y, v = w x: uy + vx = 0
    assert np.abs(optical_strain(field(lambda x, y: -w * y, lambda x, y: w * x))).max() == pytest.approx(0, abs=1e-12)


def test_quadratic_field_uses_central_differences_inside():
    strain = optical_strain(field(lambda x, y: 0.01 * x ** 2, lambda x, y: 0 * x))
    x = np.arange(SIDE, dtype=np.float64)
    assert strain[5, 1:-1] == pytest.approx(0.02 * x[1:-1])  # exact for a parabola
    assert strain.dtype == np.float32


def test_rejects_what_is_not_a_flow_field():
    with pytest.raises(ValueError):
        optical_strain(np.zeros((8, 8)))
    with pytest.raises(ValueError):
        optical_strain(np.zeros((1, 8, 2)))
