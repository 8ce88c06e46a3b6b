"""helpers.recurrent (chapter 06): the recurrent layers, the gradient-through-time measurements
against autograd's own Jacobians, and sequence training with the MSE loss and Adam."""

import math

import numpy as np
import pytest
import torch

import helpers
from helpers import recurrent


def test_recurrent_gradient_norms_shape_and_first_element():
    for kind in recurrent.KINDS:
        norms = helpers.recurrent_gradient_norms(kind, hidden_size=8, steps=12, batch_size=4)
        assert norms.shape == (12,) and norms[0] == pytest.approx(1.0)
        assert np.isfinite(norms).all()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(kind="lstmm"), "kind must be one of 'rnn', 'lstm', 'gru'"),
        (dict(kind="gru", forget_bias=1.0), "forget_bias applies to kind 'lstm' only"),
        (dict(kind="lstm", recurrent_scale=2.0), "recurrent_scale applies to kind 'rnn' only"),
        (dict(kind="rnn", recurrent_scale=0.0), "recurrent_scale must be a number in"),
        (dict(kind="rnn", hidden_size=0), "hidden_size must be a whole number from 1 to 1024"),
        (dict(kind="rnn", steps=0), "steps must be a whole number from 1 to 10000"),
        (dict(kind="rnn", batch_size=0), "batch_size must be a whole number from 1 to 4096"),
        (dict(kind="lstm", forget_bias=float("nan")), "forget_bias must be a number in"),
        (
            dict(kind="rnn", hidden_size=1024, batch_size=4096, steps=100),
            "must be at most 20,000,000",
        ),
    ],
)
def test_bad_arguments_name_the_valid_choices(kwargs, message):
    kind = kwargs.pop("kind")
    with pytest.raises(ValueError, match=message):
        helpers.recurrent_gradient_norms(kind, **kwargs)


def test_rnn_recurrent_matrix_is_orthogonal_times_the_scale():
    core = recurrent.recurrent_core("rnn", hidden_size=10, recurrent_scale=1.7, seed=3)
    singular_values = torch.linalg.svdvals(core.weight_hh_l0.detach())
    torch.testing.assert_close(singular_values, torch.full((10,), 1.7), atol=1e-5, rtol=0)


def test_forget_bias_sets_the_total_forget_bias():
    core = recurrent.recurrent_core("lstm", hidden_size=6, forget_bias=1.5)
    total = (core.bias_ih_l0 + core.bias_hh_l0).detach()[6:12]
    torch.testing.assert_close(total, torch.full((6,), 1.5))


def _autograd_sensitivity(core, x):
    """Per example, the Frobenius norm of ∂h_T/∂x_t from torch.autograd.functional.jacobian."""
    core = core.double()
    norms = []
    for sequence in x.double():
        jac = torch.autograd.functional.jacobian(lambda s: core(s.unsqueeze(0))[0][0, -1], sequence)
        norms.append(jac.pow(2).sum(dim=(0, 2)).sqrt())  # (steps,)
    return torch.stack(norms)


@pytest.mark.parametrize("kind", recurrent.KINDS)
def test_input_sensitivity_is_the_ratio_of_batch_means_of_autograds_jacobian(kind):
    core = recurrent.recurrent_core(kind, input_size=2, hidden_size=5, seed=1)
    x = torch.randn(3, 7, 2, generator=torch.Generator().manual_seed(0))
    norms = _autograd_sensitivity(core, x).mean(dim=0).flip(0).numpy()  # element k: lag k
    np.testing.assert_allclose(recurrent.input_sensitivity(core, x), norms / norms[0], rtol=1e-9)
    np.testing.assert_allclose(
        recurrent.input_sensitivity(core, x, normalize=False), norms, rtol=1e-9
    )


def test_hidden_jacobian_norms_against_autograd():
    core = recurrent.recurrent_core("rnn", hidden_size=6, recurrent_scale=1.3, seed=2).double()
    x = torch.randn(2, 5, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    states, _ = core(x)
    expected = np.zeros(5)
    for b in range(2):
        for k in range(5):  # h_T as a function of h_{T−k}: run the last k steps from it
            t = 4 - k
            rest = x[b : b + 1, t + 1 :]
            if k == 0:
                expected[k] += 1.0
                continue
            jac = torch.autograd.functional.jacobian(
                lambda h: core(rest, h.reshape(1, 1, -1))[0][0, -1], states[b, t].detach()
            )
            expected[k] += torch.linalg.matrix_norm(jac, ord=2).item()
    np.testing.assert_allclose(recurrent.hidden_jacobian_norms(core, x), expected / 2, rtol=1e-9)
    np.testing.assert_allclose(
        recurrent.hidden_jacobian_norms(core, x, every=2), (expected / 2)[::2], rtol=1e-9
    )


def test_hidden_jacobian_norms_of_an_lstm_against_autograd():
    """The LSTM's state is (h, c): ∂(h_T, c_T)/∂(h_{T−k}, c_{T−k}), by running the last k steps
    from the state the run had reached, against the hand-derived step Jacobians."""
    core = recurrent.recurrent_core(
        "lstm", input_size=2, hidden_size=4, forget_bias=1.0, seed=3
    ).double()
    with torch.no_grad():
        core.weight_hh_l0.mul_(3.0)  # large enough that every gate's path matters
    x = torch.randn(2, 6, 2, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    expected = np.zeros(6)
    for b in range(2):
        for k in range(6):
            t = 5 - k
            if k == 0:
                expected[k] += 1.0
                continue
            _, (h, c) = core(x[b : b + 1, : t + 1])

            def final_state(state, rest=x[b : b + 1, t + 1 :]):
                _, (h_T, c_T) = core(rest, (state[:4].reshape(1, 1, 4), state[4:].reshape(1, 1, 4)))
                return torch.cat([h_T.flatten(), c_T.flatten()])

            jac = torch.autograd.functional.jacobian(
                final_state, torch.cat([h.flatten(), c.flatten()])
            )
            expected[k] += torch.linalg.matrix_norm(jac, ord=2).item()
    np.testing.assert_allclose(recurrent.hidden_jacobian_norms(core, x), expected / 2, rtol=1e-9)


def test_hidden_jacobian_norms_refuses_a_gru():
    with pytest.raises(ValueError, match="tanh nn.RNN or an nn.LSTM"):
        recurrent.hidden_jacobian_norms(recurrent.recurrent_core("gru"), torch.zeros(1, 3, 1))


def test_forget_gate_products_with_a_wide_open_gate_are_one():
    core = recurrent.recurrent_core("lstm", hidden_size=4, forget_bias=20.0)
    products = recurrent.forget_gate_products(core, torch.randn(2, 10, 1))
    np.testing.assert_allclose(products, 1.0, atol=1e-6)


def test_non_finite_gradients_come_back_with_a_warning():
    core = recurrent.recurrent_core("rnn", hidden_size=4)
    with torch.no_grad():
        core.weight_hh_l0.fill_(float("nan"))
    with pytest.warns(RuntimeWarning, match="not finite at lags"):
        values = recurrent.input_sensitivity(core, torch.randn(2, 6, 1))
    assert values.shape == (6,) and not np.isfinite(values).all()


def test_sensitivity_of_a_trained_sequence_model_leaves_it_unchanged():
    model = helpers.sequence_model("gru", hidden_size=4)
    before = [p.detach().clone() for p in model.parameters()]
    recurrent.input_sensitivity(model, torch.rand(2, 5, 2))
    assert all(
        torch.equal(a, b) and a.dtype == torch.float32 for a, b in zip(model.parameters(), before)
    )
    with pytest.raises(ValueError, match=r"shape \(batch, steps, 2\)"):
        recurrent.input_sensitivity(model, torch.rand(2, 5, 1))


def test_adding_task_and_mse_training_beat_the_baseline_at_length_5():
    data = helpers.adding_task(5, n_train=2048, n_test=256)
    assert "regression target" in repr(data) and data.n_classes == 0
    assert data.x_train.shape == (2048, 5, 2) and data.y_train.dtype == torch.float32
    run = helpers.train(
        helpers.sequence_model("lstm", hidden_size=8),
        data,
        steps=200,
        lr=0.02,
        batch_size=32,
        loss="mse",
        optimizer="adam",
        clip_norm=1.0,
        progress=False,
    )
    assert math.isnan(run.test_accuracy) and len(run.test_loss_curve) == len(run.eval_steps)
    assert run.test_loss < 0.5 / 6  # half the mean-prediction baseline
    assert "test MSE" in run.summary()


@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_adam_step_is_torch_optim_adam(weight_decay):
    from helpers.training import adam_step

    torch.manual_seed(0)
    ours, theirs = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    theirs.load_state_dict(ours.state_dict())
    optimizer = torch.optim.Adam(theirs.parameters(), lr=0.01, weight_decay=weight_decay)
    parameters = list(ours.parameters())
    state = {
        "t": 0,
        "m": [torch.zeros_like(p) for p in parameters],
        "v": [torch.zeros_like(p) for p in parameters],
    }
    for step in range(5):
        x = torch.randn(8, 4)
        for model in (ours, theirs):
            model.zero_grad()
            model(x).pow(2).sum().backward()
        adam_step(parameters, state, lr=0.01, weight_decay=weight_decay)
        optimizer.step()
    for a, b in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(loss="hinge"), "loss must be one of 'cross_entropy', 'mse'"),
        (dict(optimizer="rmsprop"), "optimizer must be one of 'sgd', 'adam'"),
        (dict(optimizer="adam", momentum=0.9), "momentum applies to optimizer 'sgd' only"),
    ],
)
def test_bad_loss_or_optimizer(kwargs, message):
    with pytest.raises(ValueError, match=message):
        helpers.train(
            helpers.mlp(1, 4, in_features=64, out_features=10),
            helpers.digits(),
            steps=1,
            progress=False,
            **kwargs,
        )


def test_hidden_jacobian_norms_stop_at_max_lag():
    core = recurrent.recurrent_core("lstm", hidden_size=4, forget_bias=2.0, seed=1)
    x = torch.randn(2, 12, 1, generator=torch.Generator().manual_seed(0))
    whole = recurrent.hidden_jacobian_norms(core, x, every=3)
    np.testing.assert_allclose(
        recurrent.hidden_jacobian_norms(core, x, every=3, max_lag=6), whole[:3], rtol=1e-12
    )
    with pytest.raises(ValueError, match="max_lag must be a whole number from 0 to 11"):
        recurrent.hidden_jacobian_norms(core, x, max_lag=12)
