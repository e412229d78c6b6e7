import numpy as np
import pytest

from mlbackend.vision import cell_bounds, cell_index, cell_means, flow_magnitude, hoof_grid


def uniform(u: float, v: float, shape=(30, 40)) -> np.ndarray:
    flow = np.zeros((*shape, 2), np.float32)
    flow[..., 0], flow[..., 1] = u, v
    return flow


def test_cell_bounds_and_index_split_the_image():
    assert list(cell_bounds(10, 3)) == [0, 3, 7, 10]
    index = cell_index((10, 9), (3, 3))
    assert index[0, 0] == 0 and index[0, 8] == 2 and index[9, 0] == 6 and index[9, 8] == 8
    assert np.bincount(index.ravel()).sum() == 90
    with pytest.raises(ValueError):
        cell_index((2, 2), (3, 3))


@pytest.mark.parametrize(("u", "v", "expected_bin"), [
    (1, 0, 0), (1, 1, 1), (0, 1, 2), (-1, 0, 4), (0, -1, 6), (1, -1, 7), (1, -0.3, 0),
])
def test_hoof_bins_follow_image_axes(u, v, expected_bin):
    hoof = hoof_grid(uniform(u, v), grid=(2, 2), bins=8).reshape(4, 8)
    assert hoof.dtype == np.float32
    assert np.all(hoof[:, expected_bin] == 1) and hoof.sum() == 4


def test_hoof_is_l1_normalised_per_cell_and_empty_cells_stay_zero():
    flow = np.zeros((40, 40, 2), np.float32)
    flow[:20, :20] = (2.0, 0.0)  # cell 0: right
    flow[:20, 20:, 0] = np.where(np.arange(20) < 5, 3.0, -1.0)  # cell 1: 5 columns right (x3), 15 left (x1)
    hoof = hoof_grid(flow, grid=(2, 2), bins=4).reshape(4, 4)
    assert hoof[0].tolist() == [1, 0, 0, 0]
    assert hoof[1] == pytest.approx([0.5, 0, 0.5, 0])  # magnitude weighted: 15 vs 15
    assert hoof[2].sum() == 0 and hoof[3].sum() == 0
    counted = hoof_grid(flow, grid=(2, 2), bins=4, magnitude_weighted=False).reshape(4, 4)
    assert counted[1] == pytest.approx([0.25, 0, 0.75, 0])


def test_hoof_length_and_validation():
    assert hoof_grid(uniform(1, 0, (128, 128)), grid=(6, 6), bins=8).shape == (288,)
    assert hoof_grid(uniform(1, 0), grid=3, bins=4).shape == (36,)
    with pytest.raises(ValueError):
        hoof_grid(np.zeros((10, 10)), grid=2)


def test_magnitude_and_cell_means():
    flow = uniform(3, 4)
    assert np.allclose(flow_magnitude(flow), 5)
    values = np.zeros((4, 4))
    values[:2, :2] = 8
    assert cell_means(values, (2, 2)).tolist() == [8, 0, 0, 0]
    assert cell_means(np.ones((7, 5)), 3) == pytest.approx(np.ones(9))
