"""The bottleneck calculator against torch's own counts and the ResNet paper's numbers."""

import pytest
import torch
from torch import nn

from helpers import architectures


def torch_costs(block: nn.Module, channels: int, size: int):
    """Weights by torch's parameter count; multiply-adds by hooks on every convolution."""
    macs = []
    for conv in block.modules():
        if isinstance(conv, nn.Conv2d):
            conv.register_forward_hook(
                lambda m, inputs, out: macs.append(
                    out.numel() * m.in_channels * m.kernel_size[0] * m.kernel_size[1]
                )
            )
    block(torch.zeros(1, channels, size, size))
    return sum(p.numel() for p in block.parameters()), sum(macs)


def test_the_papers_fig5_blocks_as_torch_counts_them():
    basic = nn.Sequential(
        nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.Conv2d(64, 64, 3, padding=1, bias=False)
    )
    bottleneck = nn.Sequential(
        nn.Conv2d(256, 64, 1, bias=False),
        nn.Conv2d(64, 64, 3, padding=1, bias=False),
        nn.Conv2d(64, 256, 1, bias=False),
    )
    ours_basic, ours_bottleneck = (
        architectures.block_cost("basic", 64),
        architectures.block_cost("bottleneck", 256),
    )
    assert (
        ours_basic["weights"] == 73_728 and ours_bottleneck["weights"] == 69_632
    )  # the paper's Fig. 5
    assert (ours_basic["weights"], ours_basic["multiply_adds"]) == torch_costs(basic, 64, 56)
    assert (ours_bottleneck["weights"], ours_bottleneck["multiply_adds"]) == torch_costs(
        bottleneck, 256, 56
    )


@pytest.mark.parametrize("depth, paper", [(34, 3.6), (50, 3.8), (101, 7.6), (152, 11.3)])
def test_resnet_multiply_adds_are_the_papers_within_their_rounding(depth, paper):
    """The paper gives one decimal and no more about how it counts; ours (3.66, 3.86, 7.57,
    11.28 G) are within 2 % of its numbers, not all equal to them rounded."""
    assert abs(architectures.resnet_multiply_adds(depth) / 1e9 / paper - 1) < 0.02


def test_bad_arguments_name_the_valid_choices():
    with pytest.raises(ValueError, match="depth must be one of 18, 34, 50, 101, 152; got 20"):
        architectures.resnet_multiply_adds(20)
    with pytest.raises(ValueError, match="kind must be one of 'basic', 'bottleneck'"):
        architectures.block_cost("wide", 64)
    with pytest.raises(ValueError, match="multiple of 4"):
        architectures.block_cost("bottleneck", 66)


def test_vgg_and_the_plain_network_as_the_paper_counts_them():
    assert architectures.vgg_multiply_adds(19) / 1e9 == pytest.approx(19.6, rel=0.01)
    assert architectures.vgg_multiply_adds(16) / 1e9 == pytest.approx(15.3, rel=0.015)
    # the plain network is ResNet-34 without its three projection shortcuts
    assert architectures.resnet_multiply_adds(34) - architectures.resnet_multiply_adds(
        34, shortcuts=False
    ) == sum(architectures.conv_cost(64 * 2**s, 128 * 2**s, 1, 28 // 2**s)[1] for s in range(3))
    with pytest.raises(ValueError, match="16, 19"):
        architectures.vgg_multiply_adds(11)
