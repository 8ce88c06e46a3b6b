"""11_edge_of_chaos: the mean-field phase diagram of deep tanh networks, measured gradients beside
χ₁, and dynamical isometry (Poole et al. 2016; Schoenholz et al. 2017; Pennington et al. 2017)."""

from __future__ import annotations

import math

import numpy as np
import torch

from ..exercises import exercise
from ..figures import FloatParam, interactive_figure
from ..plots import COLORS, MAP_CMAP, heatmap, layer_limits, per_layer
from ..seeding import generator as random_stream
from ..seeding import seeded_cache
from ..theory import chi1, gradient_depth_scale, mean_field
from ..validation import check_choice, check_int

NOTEBOOK = "11_edge_of_chaos"
WEIGHTS = ("gaussian", "orthogonal")
ACTIVATIONS = ("tanh", "relu")
DEPTH, WIDTH, BATCH = 30, 256, 32


def _weight(width: int, sigma_w2: float, weights: str, g: torch.Generator) -> torch.Tensor:
    """A width × width weight matrix with n·Var(w) = σ_w²: Gaussian, or a random orthogonal matrix
    times σ_w (every singular value σ_w)."""
    if weights == "gaussian":
        return torch.randn(width, width, generator=g, dtype=torch.float64) * math.sqrt(
            sigma_w2 / width
        )
    return torch.nn.init.orthogonal_(
        torch.empty(width, width, dtype=torch.float64), gain=math.sqrt(sigma_w2), generator=g
    )


def _phi(z, activation):
    return torch.tanh(z) if activation == "tanh" else torch.relu(z)


@seeded_cache(maxsize=256)
def fixed_point_and_chi(sigma_w2: float, sigma_b2: float) -> tuple[float, float]:
    """(q*, χ₁) of tanh at (σ_w², σ_b²), the length map iterated 300 times."""
    return mean_field(sigma_w2, sigma_b2, iterations=300)


def _input_at_fixed_point(sigma_w2, sigma_b2, activation, shape, g):
    """Inputs whose squared length per unit is q* (tanh) or 1 (ReLU, which has no finite q*
    but keeps the length at σ_w² = 2): every layer then sees the same statistics."""
    q = fixed_point_and_chi(sigma_w2, sigma_b2)[0] if activation == "tanh" else 1.0
    return torch.randn(*shape, generator=g, dtype=torch.float64) * math.sqrt(q)


def layer_gradients(
    sigma_w2: float,
    sigma_b2: float,
    *,
    depth: int = DEPTH,
    width: int = WIDTH,
    batch: int = BATCH,
    weights: str = "gaussian",
    activation: str = "tanh",
    seed: int = 0,
) -> np.ndarray:
    """A fresh deep network h_l = φ(W_l h_{l−1} + b_l), b ~ N(0, σ_b²), fed inputs at q*; a random
    gradient sent back from the last layer. Element l: ‖∂L/∂h_l‖² summed over the batch,
    l = 1..depth
    (float64)."""
    check_int("depth", depth, 2, 200)
    check_int("width", width, 2, 2048)
    check_choice("weights", weights, WEIGHTS)
    check_choice("activation", activation, ACTIVATIONS)
    g = random_stream(seed, "weights")
    h = _input_at_fixed_point(sigma_w2, sigma_b2, activation, (batch, width), g)
    hidden = []
    for _ in range(depth):
        w = _weight(width, sigma_w2, weights, g)
        b = torch.randn(width, generator=g, dtype=torch.float64) * math.sqrt(sigma_b2)
        h = _phi(h @ w.T + b, activation)
        h.requires_grad_(True) if not h.requires_grad else h.retain_grad()
        hidden.append(h)
    (
        h * torch.randn(batch, width, generator=random_stream(seed, "probe"), dtype=torch.float64)
    ).sum().backward()
    return np.array([float(layer.grad.pow(2).sum()) for layer in hidden])


def per_layer_factor(squared: np.ndarray, skip: int = 4) -> float:
    """The measured factor per layer of the gradient's second moment: the geometric mean of
    ‖g_{l}‖²/‖g_{l+1}‖² over the layers after the first ``skip`` (ratio of the ends)."""
    return float((squared[skip] / squared[-1]) ** (1 / (len(squared) - 1 - skip)))


def layer_correlations(
    sigma_w2: float,
    sigma_b2: float,
    c0: float = 0.5,
    *,
    depth: int = DEPTH,
    width: int = WIDTH,
    pairs: int = 16,
    seed: int = 0,
) -> np.ndarray:
    """Pairs of inputs at q* whose correlation is ``c0``, sent through one fresh deep tanh
    network: element l is the mean over the pairs of the cosine between the two pre-activation
    vectors z_l (l = 1..depth) — what the correlation map predicts layer by layer."""
    check_int("depth", depth, 1, 200)
    check_int("pairs", pairs, 1, 1024)
    if not -1 <= c0 <= 1:
        raise ValueError(f"c0 must be a correlation in [-1, 1]; got {c0}")
    g = random_stream(seed, "weights")
    a, b = (_input_at_fixed_point(sigma_w2, sigma_b2, "tanh", (pairs, width), g) for _ in range(2))
    h = torch.stack([a, c0 * a + math.sqrt(1 - c0**2) * b])  # (2, pairs, width)
    cosines = []
    for _ in range(depth):
        z = h @ _weight(width, sigma_w2, "gaussian", g).T + torch.randn(
            width, generator=g, dtype=torch.float64
        ) * math.sqrt(sigma_b2)
        cosines.append(float(torch.nn.functional.cosine_similarity(z[0], z[1], dim=-1).mean()))
        h = torch.tanh(z)
    return np.array(cosines)


def jacobian_singular_values(
    sigma_w2: float,
    sigma_b2: float,
    *,
    depth: int = DEPTH,
    width: int = WIDTH,
    weights: str = "gaussian",
    activation: str = "tanh",
    seed: int = 0,
) -> np.ndarray:
    """The singular values of the input–output Jacobian ∂h_L/∂h_0 = ∏ diag(φ′(z_l)) W_l of a fresh
    network at one input of length q* (Pennington et al. 2017's object)."""
    check_choice("weights", weights, WEIGHTS)
    check_choice("activation", activation, ACTIVATIONS)
    g = random_stream(seed, "weights")
    h = _input_at_fixed_point(sigma_w2, sigma_b2, activation, (width,), g)
    jacobian = torch.eye(width, dtype=torch.float64)
    for _ in range(depth):
        w = _weight(width, sigma_w2, weights, g)
        z = w @ h + torch.randn(width, generator=g, dtype=torch.float64) * math.sqrt(sigma_b2)
        slope = 1 - torch.tanh(z) ** 2 if activation == "tanh" else (z > 0).double()
        h = _phi(z, activation)
        jacobian = (slope[:, None] * w) @ jacobian
    return torch.linalg.svdvals(jacobian).numpy()


# --- the phase diagram ---------------------------------------------------------------------------

SIGMA_W2, SIGMA_B2 = (0.5, 4.0), (0.0, 0.3)


@seeded_cache(maxsize=1)
def phase_grid(points: int = 36):
    """χ₁ over a grid of (σ_w², σ_b²): (σ_w² values, σ_b² values, χ₁[b, w]). The length map is
    iterated 60 times per point (q* is reached to 1e-4 except right at the edge, where it
    creeps)."""
    w2 = np.linspace(*SIGMA_W2, points)
    b2 = np.linspace(*SIGMA_B2, points // 2)
    return w2, b2, np.array([[chi1(w, b, iterations=60) for w in w2] for b in b2])


@seeded_cache(maxsize=1)
def critical_line():
    """The χ₁ = 1 line of the phase grid, as (σ_w², σ_b²) point arrays (contourpy, which
    matplotlib's contour uses), traced once rather than by a contour on every redraw."""
    import contourpy

    w2, b2, grid = phase_grid()
    return contourpy.contour_generator(w2, b2, grid).lines(1.0)


@seeded_cache(maxsize=64)
def measured_profile(sigma_w2: float, sigma_b2: float, seed: int = 0) -> np.ndarray:
    """The live figure's measurement: 30 layers of 96 units, 16 inputs (the notebook's own
    checks use 256 units and 32 inputs)."""
    return layer_gradients(sigma_w2, sigma_b2, depth=DEPTH, width=96, batch=16, seed=seed)


@interactive_figure(
    explore={"sigma_w2": [0.5, 0.8, 1.25, 1.75, 2.5, 3.0, 4.0]},
    notebook=NOTEBOOK,
    title="The edge of chaos: where a deep tanh network's gradient neither vanishes nor explodes",
    params={
        "sigma_w2": FloatParam(0.5, 4.0, 1.5, log=False, step=0.05, label="σ_w²"),
        "sigma_b2": FloatParam(0.0, 0.3, 0.05, log=False, step=0.01, label="σ_b²"),
    },
    presets={
        "ordered: vanishing": {"sigma_w2": 0.8, "sigma_b2": 0.05},
        "at the edge": {"sigma_w2": 1.75, "sigma_b2": 0.05},
        "chaotic: exploding": {"sigma_w2": 3.0, "sigma_b2": 0.05},
    },
    frame=lambda v: [
        {"xlim": SIGMA_W2, "ylim": SIGMA_B2},
        {"xlim": layer_limits(DEPTH), "ylim": (1e-8, 1e8)},
    ],
)
def phase_diagram(fig, sigma_w2, sigma_b2):
    w2, b2, grid = phase_grid()
    diagram, gradients = fig.subplots(1, 2)
    with np.errstate(divide="ignore"):
        depth_scale = np.clip(-1 / np.log(grid), -50, 50)  # ξ, signed: + ordered, − chaotic
    heatmap(
        diagram,
        np.abs(depth_scale),
        (*SIGMA_W2, *SIGMA_B2),
        cmap=MAP_CMAP,
        vmin=0,
        vmax=50,
        interpolation="bilinear",
    )
    for line in critical_line():
        diagram.plot(line[:, 0], line[:, 1], color="white", linewidth=2)
    q_star, chi = fixed_point_and_chi(sigma_w2, sigma_b2)
    diagram.plot([sigma_w2], [sigma_b2], "o", color=COLORS["diverged"], markersize=10)
    diagram.set_xlabel("σ_w²")
    diagram.set_ylabel("σ_b²")
    diagram.set_title("depth scale ξ = −1/ln χ₁ (bright: deep); white: χ₁ = 1", fontsize=12)
    diagram.text(0.6, 0.27, "ordered", color="white", fontsize=12)
    diagram.text(3.2, 0.02, "chaotic", color="white", fontsize=12)

    squared = measured_profile(sigma_w2, sigma_b2)
    relative = squared / squared[-1]
    layers = np.arange(1, DEPTH + 1)
    per_layer(
        gradients,
        chi ** (DEPTH - layers),
        color=COLORS["predicted"],
        linestyle="--",
        marker="",
        label="χ₁^(L−l)",
    )
    per_layer(gradients, relative, color=COLORS["tanh"], linestyle="", label="measured")
    gradients.set_ylim(1e-8, 1e8)
    gradients.set_ylabel(r"$\|\partial L/\partial h_l\|^2$ ÷ layer L's")
    gradients.set_title(
        f"measured per layer: {per_layer_factor(squared):.3f}; χ₁ = {chi:.3f}", fontsize=12
    )
    gradients.legend(loc="upper right", fontsize=11)
    xi = gradient_depth_scale(chi)
    fig.suptitle(
        f"σ_w² = {sigma_w2:.2f}, σ_b² = {sigma_b2:.2f}: q* = {q_star:.3f}, "
        f"χ₁ = {chi:.3f}, ξ = {'∞' if math.isinf(xi) else f'{abs(xi):.1f}'} layers"
    )


@exercise(
    "11.1",
    "Predict, then run: a deep tanh net with σ_b² = 0 and σ_w² = 0.9. Its pre-activations "
    "shrink to q* = 0, where tanh′ = 1. By what factor does each layer multiply the gradient's "
    "second moment?",
    hint="χ₁ = σ_w²·E[φ′(0)²] = σ_w² when q* = 0.",
)
def _chi_at_zero():
    return 0.9


@exercise(
    "11.2",
    "χ₁ = 0.8. Over how many layers does the gradient's second moment fall by a factor e "
    "(the depth scale ξ)? (to two decimals)",
    hint="ξ = −1/ln χ₁.",
    rel_tolerance=0.01,
)
def _depth_scale():
    return -1 / math.log(0.8)


@exercise(
    "11.3",
    "A ReLU network with weights of variance 2/n (He): what is χ₁? (E[relu′(z)²] = 1/2)",
    hint="χ₁ = σ_w²·E[φ′²] = 2 · 1/2.",
)
def _relu_chi():
    return 1.0
