"""08_gradient_clipping: clipping by norm and by value in two dimensions, and Pascanu et al.'s
single-unit recurrent network with its wall."""

from __future__ import annotations

import math

import numpy as np

from ..exercises import exercise
from ..figures import FloatParam, IntParam, interactive_figure
from ..plots import COLORS, MAP_CMAP, heatmap
from ..seeding import seeded_cache

NOTEBOOK = "08_gradient_clipping"


def clip_by_norm(g: np.ndarray, threshold: float) -> np.ndarray:
    """Pascanu et al.'s Algorithm 1: if ‖g‖ > threshold, g ← threshold·g/‖g‖ (direction kept)."""
    norm = float(np.linalg.norm(g))
    return g * (threshold / norm) if norm > threshold else g


def clip_by_value(g: np.ndarray, threshold: float) -> np.ndarray:
    """Every component clipped to [−threshold, threshold] (torch.nn.utils.clip_grad_value_)."""
    return np.clip(g, -threshold, threshold)


def angle_between(a: np.ndarray, b: np.ndarray) -> float:
    """The angle between two vectors, in degrees."""
    cosine = float(a @ b) / (np.linalg.norm(a) * np.linalg.norm(b))
    return math.degrees(math.acos(min(1.0, max(-1.0, cosine))))


@interactive_figure(
    explore={"angle": [0, 10, 20, 30, 45, 60, 75, 90]},
    notebook=NOTEBOOK,
    title="Clipping by norm and by value",
    params={
        "threshold": FloatParam(0.25, 4.0, 1.0, log=True, label="threshold c"),
        "length": FloatParam(0.25, 4.0, 3.0, log=True, label="‖g‖"),
        "angle": IntParam(0, 90, 20, step=5, label="direction of g (°)"),
    },
    presets={
        "inside the threshold": {"threshold": 2.0, "length": 1.5, "angle": 20},
        "long, shallow: value clipping turns it": {"threshold": 1.0, "length": 3.0, "angle": 20},
        "long, diagonal": {"threshold": 1.0, "length": 3.0, "angle": 45},
    },
    frame=lambda v: [{"xlim": (-0.2, 4.2), "ylim": (-0.2, 4.2)}, {"xlim": (0, 4), "ylim": (0, 4)}],
)
def clipping_2d(fig, threshold, length, angle):
    g = length * np.array([math.cos(math.radians(angle)), math.sin(math.radians(angle))])
    by_norm, by_value = clip_by_norm(g, threshold), clip_by_value(g, threshold)
    plane, curve = fig.subplots(1, 2)
    circle = np.linspace(0, math.pi / 2, 60)
    plane.plot(
        threshold * np.cos(circle),
        threshold * np.sin(circle),
        color=COLORS["norm clipping"],
        linestyle=":",
    )
    plane.plot(
        [threshold, threshold, 0],
        [0, threshold, threshold],
        color=COLORS["value clipping"],
        linestyle=":",
    )
    # Arrows labelled at their tips: a legend here would cost more than the rest of the frame.
    # Labels beside the tips, each in its own quadrant (g above-right, by norm below-right, by value
    # above-left), so that they never collide where tips coincide.
    for vector, key, label, offset, align in [
        (g, "unclipped", "g", (0.08, 0.08), ("left", "bottom")),
        (by_norm, "norm clipping", "by norm", (0.08, -0.08), ("left", "top")),
        (by_value, "value clipping", "by value", (-0.08, 0.08), ("right", "bottom")),
    ]:
        plane.annotate(
            "",
            xy=tuple(vector),
            xytext=(0, 0),
            arrowprops=dict(
                arrowstyle="-|>", color=COLORS[key], lw=2.5, mutation_scale=18, shrinkA=0, shrinkB=0
            ),
        )
        plane.text(
            vector[0] + offset[0],
            vector[1] + offset[1],
            label,
            color=COLORS[key],
            fontsize=12,
            ha=align[0],
            va=align[1],
        )
    plane.set_xlim(-0.2, 4.2)
    plane.set_ylim(-0.2, 4.2)
    plane.set_aspect("equal")
    plane.set_xlabel("g₁      (circle: ‖g‖ = c;  box: |gᵢ| = c)")
    plane.set_ylabel("g₂")
    turned = angle_between(g, by_value)
    plane.set_title(f"value clipping turns g by {turned:.0f}°")

    norms = np.linspace(0, 4, 200)
    unit = g / length
    curve.plot(norms, norms, color=COLORS["unclipped"], linestyle=":", label="no clipping")
    curve.plot(norms, np.minimum(norms, threshold), color=COLORS["norm clipping"], label="by norm")
    curve.plot(
        norms,
        np.linalg.norm(np.clip(np.outer(norms, unit), -threshold, threshold), axis=1),
        color=COLORS["value clipping"],
        linestyle="--",
        label=f"by value, at {angle}°",
    )
    curve.plot([length], [np.linalg.norm(by_norm)], "o", color=COLORS["norm clipping"])
    curve.plot([length], [np.linalg.norm(by_value)], "o", color=COLORS["value clipping"])
    curve.set_xlim(0, 4)
    curve.set_ylim(0, 4)
    curve.set_xlabel("‖g‖")
    curve.set_ylabel("‖clipped g‖")
    curve.set_title("the lecture's curve: flat at c")
    curve.legend(loc="upper left", fontsize=11)
    fig.suptitle(
        f"‖g‖ = {length:.2g}, c = {threshold:.2g}: by norm ‖g‖ → {np.linalg.norm(by_norm):.2g}, "
        f"same direction; by value ‖g‖ → {np.linalg.norm(by_value):.2g}"
    )


# Pascanu, Mikolov & Bengio 2013, §3.2 and Fig. 6: one recurrent unit, fifty steps.
WALL_STEPS, WALL_START_STATE, WALL_TARGET = 50, 0.5, 0.7
W_RANGE, B_RANGE = (1.0, 11.0), (-8.0, 4.0)


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _sigmoid_of_float(x: float) -> float:
    # math.exp is 10× faster than numpy on one number; this form never overflows
    if x >= 0:
        return 1 / (1 + math.exp(-x))
    e = math.exp(x)
    return e / (1 + e)


def wall_loss_and_gradient(w, b):
    """E(w, b) = (σ(x₅₀) − 0.7)² for x_t = w·σ(x_{t−1}) + b, x₀ = 0.5, and its gradient by
    back-propagation through the 50 steps. ``w`` and ``b`` are numbers, or arrays of a common
    shape (the whole surface at once)."""
    if np.ndim(w) == 0 and np.ndim(b) == 0:  # one point: plain floats, for the descent's speed
        w, b, sigmoid, zero = float(w), float(b), _sigmoid_of_float, 0.0
    else:
        w, b = np.broadcast_arrays(np.asarray(w, dtype=float), np.asarray(b, dtype=float))
        sigmoid, zero = _sigmoid, np.zeros(w.shape)
    states = [zero + WALL_START_STATE]
    for _ in range(WALL_STEPS):
        states.append(w * sigmoid(states[-1]) + b)
    output = sigmoid(states[-1])
    loss = (output - WALL_TARGET) ** 2
    grad_x = 2 * (output - WALL_TARGET) * output * (1 - output)  # ∂E/∂x₅₀
    grad_w, grad_b = zero, zero
    for t in range(WALL_STEPS, 0, -1):
        s = sigmoid(states[t - 1])
        grad_w = grad_w + grad_x * s  # x_t = w·σ(x_{t−1}) + b
        grad_b = grad_b + grad_x
        grad_x = grad_x * w * s * (1 - s)
    return loss, grad_w, grad_b


@seeded_cache(maxsize=1)
def wall_surface(resolution: int = 240):
    """E over the (w, b) grid the figure draws: (w values, b values, E)."""
    w = np.linspace(*W_RANGE, resolution)
    b = np.linspace(*B_RANGE, resolution)
    loss, _, _ = wall_loss_and_gradient(*np.meshgrid(w, b))
    return w, b, loss


def descend(start, *, lr: float, steps: int, threshold: float | None = None) -> np.ndarray:
    """Gradient descent on E from ``start`` = (w, b), with norm clipping at ``threshold`` if one
    is given; the path, one row (w, b) per step, ending early if it leaves the finite numbers."""
    point = np.array(start, dtype=float)
    path = [point]
    for _ in range(steps):
        _, grad_w, grad_b = wall_loss_and_gradient(point[0], point[1])
        gradient = np.array([float(grad_w), float(grad_b)])
        if threshold is not None:
            gradient = clip_by_norm(gradient, threshold)
        point = point - lr * gradient
        if not np.isfinite(point).all():
            break
        path.append(point)
    return np.array(path)


WALL_START = (6.0, -3.0)  # just above the wall, where E = 0.05
MOST_STEPS = 200


@seeded_cache(maxsize=256)
def wall_path(lr: float, threshold: float | None) -> np.ndarray:
    """The figure's descent from WALL_START, MOST_STEPS long (a shorter run is its beginning)."""
    return descend(WALL_START, lr=lr, steps=MOST_STEPS, threshold=threshold)


@interactive_figure(
    explore={"threshold": [0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0]},
    notebook=NOTEBOOK,
    title="Pascanu's wall: gradient descent with and without clipping",
    params={
        "lr": FloatParam(0.1, 3.0, 1.0, log=True, label="learning rate"),
        "threshold": FloatParam(0.05, 5.0, 0.5, log=True, label="clipping threshold"),
        "steps": IntParam(20, MOST_STEPS, 100, step=10, label="steps"),
    },
    presets={
        "Pascanu's Fig. 6": {"lr": 1.0, "threshold": 0.5, "steps": 100},
        "threshold too high: no effect": {"lr": 1.0, "threshold": 5.0, "steps": 100},
        "threshold too low: a crawl": {"lr": 1.0, "threshold": 0.05, "steps": 100},
    },
    expensive={"steps": 200},
    frame=lambda v: [{"xlim": W_RANGE, "ylim": B_RANGE}],
)
def pascanu_wall(fig, lr, threshold, steps):
    w, b, loss = wall_surface()
    ax = fig.subplots()
    # No colour bar: a second axes, rebuilt on every redraw, would cost a full layout each time.
    heatmap(ax, loss, (*W_RANGE, *B_RANGE), cmap=MAP_CMAP, vmin=0, vmax=0.5)
    ax.set_title(
        "E(w, b): dark 0 (the valley), green 0.1 (plateau above), yellow 0.5 (below the wall)",
        fontsize=12,
    )
    results = {}
    for key, clip in [("unclipped", None), ("norm clipping", threshold)]:
        path = wall_path(lr, clip)[: steps + 1]
        jumps = np.hypot(*np.diff(path, axis=0).T)
        final_loss = float(wall_loss_and_gradient(*path[-1])[0])
        results[key] = (jumps.max() if len(jumps) else 0.0, final_loss)
        label = "no clipping" if clip is None else f"clipped at {threshold:.2g}"
        ax.plot(
            path[:, 0],
            path[:, 1],
            marker="o",
            color="white" if clip else COLORS["diverged"],
            markersize=3,
            linewidth=1.5,
            linestyle="--" if clip else "-",
            label=f"{label}: E → {final_loss:.3f}",
        )
    ax.plot(*WALL_START, "*", color="black", markersize=14, label="start")
    ax.set_xlim(*W_RANGE)
    ax.set_ylim(*B_RANGE)
    ax.set_xlabel("w (recurrent weight)")
    ax.set_ylabel("b (bias)")
    ax.legend(loc="upper right", fontsize=11)
    fig.suptitle(
        f"lr {lr:.2g}, {steps} steps: largest step {results['unclipped'][0]:.2g} unclipped, "
        f"{results['norm clipping'][0]:.2g} clipped"
    )


@exercise(
    "08.1",
    "g = (3, 4) and the threshold is 1. What is g after clipping by norm? (a pair)",
    hint="‖g‖ = 5; divide by it.",
)
def _clip_norm_example():
    return np.array([0.6, 0.8])


@exercise(
    "08.2",
    "Predict, then run: the same g = (3, 4), clipped by value at 1. By how many degrees "
    "does its direction turn?",
    hint="(1, 1) points at 45°; (3, 4) at atan(4/3).",
    rel_tolerance=0.01,
)
def _value_clip_angle():
    return abs(45.0 - math.degrees(math.atan2(4, 3)))


@exercise(
    "08.3",
    "A run's gradient norm is 50 and the threshold 1; the learning rate is 0.1. How long "
    "is the step the clipped update takes?",
    hint="the step is lr × the clipped gradient's norm.",
)
def _clipped_step():
    return 0.1
