"""Counting what an architecture costs: weights and multiply-adds of convolutional blocks and of
the ResNets, as He et al. (2016) count them — for chapter 05's bottleneck calculator.

Conventions (the paper's): convolutions without bias and without batch norm; a multiply-add is
one multiplication and one addition ("FLOPs" in the paper's Table 1); pooling, additions of the
shortcut and activations are not counted. The ResNets are "v1", as in the paper: a bottleneck
block that halves the resolution does so with stride 2 in its *first* 1×1 convolution (the
common "v1.5" variant, e.g. torchvision's, moves the stride to the 3×3 and costs more),
shortcuts are identities except where the shape changes (projection by a 1×1 convolution, the
paper's option B). So counted, ResNet-34/50/101/152 take 3.66, 3.86, 7.57 and 11.28 G
multiply-adds on a 224×224 image, within 2 % of the paper's rounded 3.6, 3.8, 7.6 and 11.3 G
(the paper does not say more about how it counts; its numbers do not all round ours).
"""

from __future__ import annotations

from .validation import check_choice, check_int

BLOCKS = ("basic", "bottleneck")
# Blocks per stage (conv2_x … conv5_x), the paper's Table 1.
RESNETS = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
    101: ("bottleneck", (3, 4, 23, 3)),
    152: ("bottleneck", (3, 8, 36, 3)),
}


def conv_cost(
    in_channels: int, out_channels: int, kernel: int, output_size: int
) -> tuple[int, int]:
    """(weights, multiply-adds) of a bias-free 2-D convolution with a ``kernel``×``kernel``
    kernel producing an ``output_size``×``output_size`` map: each output value is a sum of
    in_channels·kernel² products."""
    for name, value in [
        ("in_channels", in_channels),
        ("out_channels", out_channels),
        ("kernel", kernel),
    ]:
        check_int(name, value, 1)
    check_int("output_size", output_size, 1)
    weights = in_channels * out_channels * kernel * kernel
    return weights, weights * output_size * output_size


def block_cost(kind: str, channels: int, size: int = 56) -> dict:
    """Weights and multiply-adds of one residual block on a ``size``×``size`` map (its shortcut
    an identity). ``"basic"``: two 3×3 convolutions on ``channels`` channels. ``"bottleneck"``:
    ``channels`` in and out, squeezed to channels/4 by a 1×1, a 3×3 there, a 1×1 back out."""
    check_choice("kind", kind, BLOCKS)
    check_int("channels", channels, 4 if kind == "bottleneck" else 1)
    if kind == "bottleneck" and channels % 4:
        raise ValueError(f"channels must be a multiple of 4 for a bottleneck block; got {channels}")
    if kind == "basic":
        convs = [conv_cost(channels, channels, 3, size)] * 2
    else:
        inner = channels // 4
        convs = [
            conv_cost(channels, inner, 1, size),
            conv_cost(inner, inner, 3, size),
            conv_cost(inner, channels, 1, size),
        ]
    return {"weights": sum(w for w, _ in convs), "multiply_adds": sum(m for _, m in convs)}


def resnet_multiply_adds(
    depth: int, image_size: int = 224, classes: int = 1000, *, shortcuts: bool = True
) -> int:
    """Multiply-adds of one forward pass of ResNet-``depth`` (18, 34, 50, 101 or 152; v1, see
    above) on an ``image_size``×``image_size`` RGB image: conv1 (7×7, stride 2), the four
    stages after a stride-2 max-pool, and the final fully connected layer. ``shortcuts=False``:
    the paper's *plain* network of the same depth (no projection shortcuts to count)."""
    if isinstance(depth, bool) or depth not in RESNETS:
        raise ValueError(f"depth must be one of {', '.join(map(str, RESNETS))}; got {depth!r}")
    kind, blocks = RESNETS[depth]
    check_int("image_size", image_size, 32)
    check_int("classes", classes, 1)
    total = conv_cost(3, 64, 7, image_size // 2)[1]
    size, in_channels = image_size // 4, 64
    for stage, count in enumerate(blocks):
        width = 64 * 2**stage
        out_channels = 4 * width if kind == "bottleneck" else width
        for block in range(count):
            size_out = size // 2 if stage > 0 and block == 0 else size
            if kind == "basic":
                total += (
                    conv_cost(in_channels, width, 3, size_out)[1]
                    + conv_cost(width, width, 3, size_out)[1]
                )
            else:
                total += (
                    conv_cost(in_channels, width, 1, size_out)[1]
                    + conv_cost(width, width, 3, size_out)[1]
                    + conv_cost(width, out_channels, 1, size_out)[1]
                )
            if shortcuts and (size_out != size or in_channels != out_channels):
                total += conv_cost(in_channels, out_channels, 1, size_out)[1]  # projection shortcut
            size, in_channels = size_out, out_channels
    return total + in_channels * classes


# VGG's 3×3 convolutions per stage (Simonyan & Zisserman 2015, configurations D and E); each
# stage ends in a 2×2 max-pool; then 4096, 4096 and 1000 fully connected units on 7×7×512.
VGGS = {16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}


def vgg_multiply_adds(depth: int, image_size: int = 224, classes: int = 1000) -> int:
    """Multiply-adds of one forward pass of VGG-``depth`` (16 or 19) on an
    ``image_size``×``image_size`` RGB image, counted as for the ResNets."""
    if isinstance(depth, bool) or depth not in VGGS:
        raise ValueError(f"depth must be one of {', '.join(map(str, VGGS))}; got {depth!r}")
    check_int("image_size", image_size, 32)
    check_int("classes", classes, 1)
    total, size, in_channels = 0, image_size, 3
    for stage, count in enumerate(VGGS[depth]):
        width = min(64 * 2**stage, 512)
        for _ in range(count):
            total += conv_cost(in_channels, width, 3, size)[1]
            in_channels = width
        size //= 2
    return total + in_channels * size * size * 4096 + 4096 * 4096 + 4096 * classes
