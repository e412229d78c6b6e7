import torch

from mlbackend.nets.models import count_parameters
from plugins.off_apexnet.network import OffApexNet


def test_off_apexnet_has_1614875_parameters_for_three_classes():
    """Counted by hand, 5x5 kernels, one stream per flow component:

    per stream: conv 1 -> 6: 6 * 25 + 6 = 156; conv 6 -> 16: 16 * 6 * 25 + 16 = 2,416 -> 2,572; two: 5,144
    FC 2 * 16 * 7 * 7 = 1,568 -> 1,024: 1,568 * 1,024 + 1,024 = 1,606,656
    FC 1,024 -> 3: 3,075
    total: 5,144 + 1,606,656 + 3,075 = 1,614,875
    """
    model = OffApexNet(3)
    assert count_parameters(model) == 1_614_875
    assert model(torch.zeros(4, 2, 28, 28)).shape == (4, 3)
    assert count_parameters(OffApexNet(3, kernel=3)) == 2 * (6 * 9 + 6 + 16 * 6 * 9 + 16) + 1_606_656 + 3075
