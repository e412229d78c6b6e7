import pytest
import torch

from mlbackend.nets.models import STSTNet, count_parameters, default_init, dropout_mask


def test_ststnet_has_1683_parameters_for_three_classes():
    """Counted by hand (trainable parameters; batch-norm running statistics are buffers):

    conv branches, 3x3 kernels on 3 input channels (27 weights + 1 bias per filter):
        3 filters: 3 * 28 = 84;  5 filters: 5 * 28 = 140;  8 filters: 8 * 28 = 224  -> 448
    batch norm, gamma and beta per channel: 2 * (3 + 5 + 8) = 32
    fully connected, 16 maps of 5 x 5 = 400 inputs: 400 * 3 + 3 = 1,203
    total: 448 + 32 + 1,203 = 1,683 (Keras reports 1,747: it counts the 64 moving statistics too).
    """
    for padding in (1, 2):
        model = STSTNet(3, padding=padding)
        assert count_parameters(model) == 1683
        assert count_parameters(STSTNet(5, padding=padding)) == 448 + 32 + 400 * 5 + 5
        assert model(torch.zeros(4, 3, 28, 28)).shape == (4, 3)
        assert model.features(torch.zeros(2, 3, 28, 28)).shape == (2, 16, 10, 10)


def test_initialisation_and_dropout_come_from_the_generator_alone():
    def build(seed):
        model = STSTNet(3)
        default_init(model, torch.Generator().manual_seed(seed))
        return model

    torch.manual_seed(123)  # the global RNG plays no part
    a, b, c = build(7), build(7), build(8)
    for (name, pa), pb, pc in zip(a.state_dict().items(), b.state_dict().values(), c.state_dict().values()):
        assert torch.equal(pa, pb), name
    assert not torch.equal(a.conv1.weight, c.conv1.weight)
    bound = 1 / 27 ** 0.5  # PyTorch's default: kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), +)
    assert a.conv3.weight.abs().max() <= bound and a.conv3.bias.abs().max() <= bound
    assert torch.equal(a.bn2.weight, torch.ones(5)) and torch.equal(a.bn2.bias, torch.zeros(5))

    mask = dropout_mask((64, 16, 10, 10), 0.5, torch.Generator().manual_seed(1))
    assert set(mask.unique().tolist()) == {0.0, 2.0}
    assert mask.mean().item() == pytest.approx(1.0, abs=0.02)
    assert torch.equal(mask, dropout_mask((64, 16, 10, 10), 0.5, torch.Generator().manual_seed(1)))
    other = dropout_mask((20000,), 0.2, torch.Generator().manual_seed(1))
    assert (other == 0).float().mean().item() == pytest.approx(0.2, abs=0.02) and other.max().item() == 1.25


def test_eval_mode_has_no_dropout_and_uses_running_statistics():
    model = STSTNet(3)
    default_init(model, torch.Generator().manual_seed(0))
    x = torch.randn(8, 3, 28, 28)
    model.eval()
    assert torch.equal(model(x), model(x))
    model.train()
    g = torch.Generator().manual_seed(0)
    assert not torch.equal(model(x, g), model(x, g))
