import numpy as np
import pytest
import torch
from torch import nn

import helpers
from helpers.seeding import generator as random_stream


def test_profile_matches_a_small_net_computed_by_hand():
    model = helpers.mlp(2, 3, "tanh", "xavier_normal", seed=4)
    x = helpers.gaussian_batch(5, 3, seed=1)
    result = helpers.profile(model, x, seed=7)

    W1, W2 = (layer.linear.weight.detach().double().numpy() for layer in model.hidden)
    xn = x.double().numpy()
    z1 = xn @ W1.T
    a1 = np.tanh(z1)
    z2 = a1 @ W2.T
    a2 = np.tanh(z2)
    seed_grad = torch.randn((5, 3), generator=random_stream(7, "probe")).double().numpy()
    dz2 = seed_grad * (1 - a2**2)
    dz1 = (dz2 @ W2) * (1 - a1**2)

    np.testing.assert_allclose(result.activation_mean, [a1.mean(), a2.mean()], rtol=1e-5)
    np.testing.assert_allclose(result.activation_std, [a1.std(), a2.std()], rtol=1e-5)
    np.testing.assert_allclose(result.grad_std, [dz1.std(), dz2.std()], rtol=1e-5)
    np.testing.assert_allclose(
        result.weight_grad_norm, [np.linalg.norm(dz1.T @ xn), np.linalg.norm(dz2.T @ a1)], rtol=1e-5
    )
    saturated = [(np.abs(a) > 0.97).mean() for a in (a1, a2)]
    np.testing.assert_allclose(result.saturated_fraction, saturated)
    assert result.finite and result.first_nonfinite_layer is None


def test_dead_fraction_counts_units_never_active_on_the_batch():
    model = helpers.mlp(1, 4, "relu", "zeros")
    with torch.no_grad():
        model.hidden[0].linear.weight[:] = torch.eye(4)
        model.hidden[0].linear.bias[:] = torch.tensor([0.0, 0.0, -100.0, -100.0])
    x = torch.tensor([[1.0, -1.0, 1.0, 1.0], [1.0, 2.0, 1.0, 1.0]])
    result = helpers.profile(model, x)
    assert result.dead_fraction[0] == pytest.approx(0.5)  # units 3 and 4; unit 2 fires once


def test_profile_with_labels_uses_the_loss():
    model = helpers.mlp(2, 8, in_features=4, out_features=3)
    x, y = torch.randn(6, 4), torch.tensor([0, 1, 2, 0, 1, 2])
    result = helpers.profile(model, x, y)
    expected = nn.functional.cross_entropy(model(x), y).item()
    assert result.loss == pytest.approx(expected, rel=1e-6)
    assert helpers.profile(model, x, torch.randn(6, 3), loss="mse").loss > 0


def test_overflow_is_reported_not_raised():
    model = helpers.mlp(60, 64, "relu", 10.0)
    result = helpers.profile(model, helpers.gaussian_batch(32, 64))
    assert result.finite is False
    assert result.nonfinite_pass == "forward"
    assert 0 < result.first_nonfinite_layer < 60
    assert np.isfinite(result.activation_std[: result.first_nonfinite_layer]).all()
    assert not np.isfinite(result.activation_std[result.first_nonfinite_layer])
    assert "forward pass at hidden layer" in result.summary()


def test_backward_overflow_is_found_from_the_output_side():
    # A linear net whose signal shrinks ×1e-13 per layer, then grows back: the forward pass
    # stays finite, but back-propagation meets the three large layers first and overflows.
    model = helpers.mlp(6, 16, "identity", "orthogonal")
    with torch.no_grad():
        for layer in model.hidden[:3]:
            layer.linear.weight.mul_(1e-13)
        for layer in model.hidden[3:]:
            layer.linear.weight.mul_(1e13)
    result = helpers.profile(model, helpers.gaussian_batch(8, 16))
    assert result.nonfinite_pass == "backward"
    assert result.first_nonfinite_layer == 2


def test_a_plain_sequential_is_profiled_per_activation_module_as_computed_by_hand():
    """nn.Sequential(Linear, Tanh, Linear, ReLU, Linear): two hidden layers (the activations),
    the readout not counted; every number against numpy."""
    torch.manual_seed(3)
    model = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 2))
    x = torch.randn(7, 4)
    result = helpers.profile(model, x, seed=2)
    assert (
        result.depth == 2
        and result.layer_names == ["1", "3"]
        and result.activation_names == ["tanh", "relu"]
    )
    W1, b1, W2, b2, W3, b3 = (p.detach().double().numpy() for p in model.parameters())
    xn = x.double().numpy()
    z1 = xn @ W1.T + b1
    a1 = np.tanh(z1)
    z2 = a1 @ W2.T + b2
    a2 = np.maximum(z2, 0)
    seed_grad = torch.randn((7, 2), generator=random_stream(2, "probe")).double().numpy()
    dz2 = (seed_grad @ W3) * (z2 > 0)
    dz1 = (dz2 @ W2) * (1 - a1**2)
    np.testing.assert_allclose(result.activation_std, [a1.std(), a2.std()], rtol=1e-5)
    np.testing.assert_allclose(result.grad_std, [dz1.std(), dz2.std()], rtol=1e-5)
    np.testing.assert_allclose(
        result.weight_grad_norm, [np.linalg.norm(dz1.T @ xn), np.linalg.norm(dz2.T @ a1)], rtol=1e-5
    )
    np.testing.assert_allclose(result.saturated_fraction, [(np.abs(a1) > 0.97).mean(), 0.0])
    np.testing.assert_allclose(result.dead_fraction, [0.0, (z2 <= 0).all(axis=0).mean()])
    assert (
        not np.isnan(result.saturated_fraction).any() and not np.isnan(result.dead_fraction).any()
    )


def test_an_activation_the_course_does_not_define_is_masked_not_nan():
    model = nn.Sequential(nn.Linear(4, 6), nn.SiLU(), nn.Linear(6, 2))
    result = helpers.profile(model, torch.randn(5, 4))
    assert result.activation_names == [None]
    assert np.ma.is_masked(result.saturated_fraction[0])  # printed as "--": not defined
    assert (
        result.dead_fraction[0] == 0.0
    )  # SiLU's slope is never 0: dead is defined for any activation


def test_a_small_cnn_on_the_digits_gets_per_layer_and_per_channel_statistics():
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 3, 3, padding=1)
    model = nn.Sequential(conv, nn.ReLU(inplace=True), nn.Flatten(), nn.Linear(3 * 64, 10))
    data = helpers.digits()
    x, y = data.x_train[:16].reshape(-1, 1, 8, 8), data.y_train[:16]
    result = helpers.profile(model, x, y)
    assert (
        result.depth == 1 and result.layer_names == ["1"] and model[1].inplace
    )  # put back as it was
    z = conv(x).detach().double().numpy()
    a = np.maximum(z, 0)
    np.testing.assert_allclose(result.activation_std[0], a.std(), rtol=1e-5)
    np.testing.assert_allclose(
        result.channel_activation_std[0],
        a.transpose(1, 0, 2, 3).reshape(3, -1).std(axis=1),
        rtol=1e-5,
    )
    np.testing.assert_allclose(result.dead_fraction[0], (z <= 0).all(axis=0).mean())
    assert result.loss == pytest.approx(nn.functional.cross_entropy(model(x), y).item(), rel=1e-6)
    assert (
        result.channel_grad_std[0].shape == (3,) and np.isfinite(result.channel_grad_std[0]).all()
    )


def test_weights_and_probe_data_with_the_same_seed_are_independent():
    # Same seed, different purposes: z = Wx must have the variance fan_in·Var(w)·Var(x) = 2.
    model = helpers.mlp(1, 512, "relu", "he_normal", seed=0)
    result = helpers.profile(model, helpers.gaussian_batch(512, 512, seed=0))
    assert result.pre_activations[0].var() == pytest.approx(2.0, rel=0.05)


@pytest.mark.parametrize(
    "activation, init",
    [
        ("tanh", "xavier_uniform"),
        ("tanh", "he_normal"),
        ("tanh", "orthogonal"),
        ("tanh", 0.3),
        ("relu", "he_normal"),
    ],
)
def test_the_cached_probe_of_a_fresh_network_is_exactly_profile(activation, init):
    """profile_fresh_mlp back-propagates through the first layers of a deeper network's cached
    forward pass, and slices that pass's statistics; that must be the shallower network, and
    its numbers profile's, to the bit. Depths in the order a slider visits them: up past a
    build step (41 builds 60 layers), then down again (cut from the 60)."""
    from helpers.probe import profile_fresh_mlp

    deep = helpers.mlp(41, 16, activation, init, seed=2)
    for depth in (1, 7, 20, 23, 41, 21, 3):
        net = helpers.mlp(depth, 16, activation, init, seed=2)
        for a, b in zip(net.hidden, deep.hidden):
            assert torch.equal(a.linear.weight, b.linear.weight)
        expected = helpers.profile(net, helpers.gaussian_batch(128, 16, seed=2), seed=2)
        got = profile_fresh_mlp(depth, 16, activation, init, seed=2)
        for field in (
            "activation_mean",
            "activation_std",
            "grad_std",
            "weight_grad_norm",
            "saturated_fraction",
            "dead_fraction",
        ):
            np.testing.assert_array_equal(
                getattr(got, field), getattr(expected, field), err_msg=field
            )
        assert got.finite == expected.finite


def test_the_cached_probe_without_weight_gradients_leaves_only_them_out():
    from helpers.probe import profile_fresh_mlp

    full = profile_fresh_mlp(12, 16, "tanh", "xavier_normal", seed=4)
    lean = profile_fresh_mlp(12, 16, "tanh", "xavier_normal", seed=4, weight_gradients=False)
    assert full.weight_grad_norm.shape == (12,) and lean.weight_grad_norm is None
    for field in ("activation_std", "grad_std", "saturated_fraction"):
        np.testing.assert_array_equal(getattr(lean, field), getattr(full, field), err_msg=field)


def test_the_cached_probe_reports_overflow_like_profile():
    from helpers.probe import profile_fresh_mlp

    net = helpers.mlp(50, 16, "relu", 3.0, seed=0)
    expected = helpers.profile(net, helpers.gaussian_batch(128, 16, seed=0), seed=0)
    got = profile_fresh_mlp(50, 16, "relu", 3.0)
    assert not expected.finite
    assert (got.finite, got.first_nonfinite_layer, got.nonfinite_pass) == (
        expected.finite,
        expected.first_nonfinite_layer,
        expected.nonfinite_pass,
    )


def test_a_caller_cannot_corrupt_what_the_cached_probe_gives_the_next_caller():
    from helpers.probe import profile_fresh_mlp

    first = profile_fresh_mlp(6, 16, "tanh", "xavier_normal", seed=5)
    kept = first.grad_std.copy()
    with pytest.raises(ValueError, match="read-only"):
        first.grad_std[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        first.pre_activations[0][0, 0] = 1e9
    first.grad_std = np.zeros(6)  # replacing a field changes only this caller's Profile
    again = profile_fresh_mlp(6, 16, "tanh", "xavier_normal", seed=5)
    np.testing.assert_array_equal(again.grad_std, kept)
