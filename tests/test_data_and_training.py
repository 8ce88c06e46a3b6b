import numpy as np
import pytest
import torch

import helpers


def test_digits_split_is_standardized_and_reproducible():
    data = helpers.digits(seed=0)
    assert len(data.x_train) + len(data.x_test) == 1797
    assert data.n_features == 64 and data.n_classes == 10
    assert data.x_train.mean().abs() < 1e-5
    assert torch.equal(helpers.digits(seed=0).y_test, data.y_test)
    assert not torch.equal(helpers.digits(seed=1).y_test, data.y_test)
    with pytest.raises(ValueError, match=r"test_fraction must be a number in \(0"):
        helpers.digits(test_fraction=1.5)


def test_fast_digits_loader_reads_exactly_what_load_digits_returns():
    from sklearn.datasets import load_digits

    from helpers.data import _load_digits

    x, y = _load_digits()
    reference = load_digits()
    np.testing.assert_array_equal(x, reference.data.astype(np.float32))
    np.testing.assert_array_equal(y, reference.target)


def test_teacher_task_is_learnable_and_seeded():
    data = helpers.teacher(800, 8, 3, seed=2)
    assert data.n_features == 8 and data.n_classes == 3 and len(data.x_test) == 200
    assert torch.equal(helpers.teacher(800, 8, 3, seed=2).y_train, data.y_train)
    model = helpers.mlp(2, 32, "tanh", in_features=8, out_features=3)
    run = helpers.train(model, data, steps=300, lr=0.2, progress=False)
    assert run.test_accuracy > 0.7


def test_adding_problem_marks_two_positions_and_sums_them():
    x, y = helpers.adding_problem(50, 20, seed=0)
    assert x.shape == (50, 20, 2)
    assert torch.equal(x[..., 1].sum(1), torch.full((50,), 2.0))
    torch.testing.assert_close((x[..., 0] * x[..., 1]).sum(1), y)


def small_run(**kwargs):
    model = helpers.mlp(1, 32, "tanh", "xavier_normal", in_features=64, out_features=10)
    return helpers.train(
        model, helpers.digits(), **{"steps": 150, "lr": 0.1, "progress": False, **kwargs}
    )


def test_a_shallow_net_learns_the_digits():
    run = small_run()
    assert not run.diverged
    assert run.loss[-20:].mean() < 0.5 * run.loss[:5].mean()
    assert run.test_accuracy > 0.8
    assert run.layer_grad_norm.shape == (150, 2)
    assert len(run.eval_steps) == len(run.test_accuracy_curve) and run.eval_steps[-1] == 150


def test_divergence_stops_and_names_the_step():
    model = helpers.mlp(8, 64, "relu", 1.0, in_features=64, out_features=10)
    run = helpers.train(model, helpers.digits(), steps=100, lr=1.0, progress=False)
    assert run.diverged and run.diverged_at < 100
    assert len(run.loss) == run.diverged_at
    assert np.isnan(run.test_accuracy)
    assert f"diverged at step {run.diverged_at}" in run.summary()


def test_clip_norm_bounds_the_step():
    model = helpers.mlp(1, 16, in_features=64, out_features=10)
    before = [p.detach().clone() for p in model.parameters()]
    helpers.train(model, helpers.digits(), steps=1, lr=1.0, clip_norm=0.01, progress=False)
    step = torch.sqrt(sum(((p - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
    assert step.item() <= 0.01 + 1e-6


@pytest.mark.parametrize("momentum, weight_decay", [(0.0, 0.0), (0.9, 0.0), (0.9, 1e-2)])
def test_sgd_step_is_torch_optim_sgd(momentum, weight_decay):
    from helpers.training import sgd_step

    torch.manual_seed(0)
    ours, theirs = torch.nn.Linear(4, 3), torch.nn.Linear(4, 3)
    theirs.load_state_dict(ours.state_dict())
    optimizer = torch.optim.SGD(
        theirs.parameters(), lr=0.1, momentum=momentum, weight_decay=weight_decay
    )
    buffers = [torch.zeros_like(p) for p in ours.parameters()]
    for step in range(3):
        x = torch.randn(8, 4)
        for model in (ours, theirs):
            model.zero_grad()
            model(x).pow(2).sum().backward()
        sgd_step(
            list(ours.parameters()), buffers, lr=0.1, momentum=momentum, weight_decay=weight_decay
        )
        optimizer.step()
    for a, b in zip(ours.parameters(), theirs.parameters()):
        torch.testing.assert_close(a, b)


def test_callbacks_are_recorded_every_step():
    run = small_run(steps=10, callbacks={"w00": lambda m: m.hidden[0].linear.weight[0, 0].item()})
    assert run.records["w00"].shape == (10,)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(steps=0), "steps must be a whole number >= 1"),
        (dict(lr=0), r"lr must be a number in \(0.0"),
        (dict(batch_size=5000), "batch_size must be a whole number from 1 to 1348"),
        (dict(clip_norm=-1), "clip_norm must be"),
        (dict(weight_decay=-0.1), "weight_decay must be"),
    ],
)
def test_bad_training_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        small_run(**kwargs)


def test_an_update_that_overflows_a_bias_is_reported_at_that_step(monkeypatch):
    from helpers import training

    real_step = training.sgd_step
    calls = []

    def step_that_overflows_a_bias_on_the_third_call(parameters, buffers, **kwargs):
        real_step(parameters, buffers, **kwargs)
        calls.append(1)
        if len(calls) == 3:
            with torch.no_grad():  # the last entry of the last parameter: one readout bias
                parameters[-1].view(-1)[-1] = float("inf")

    monkeypatch.setattr(training, "sgd_step", step_that_overflows_a_bias_on_the_third_call)
    model = helpers.mlp(1, 8, in_features=64, out_features=10)
    run = helpers.train(model, helpers.digits(), steps=10, progress=False)
    assert run.diverged_at == 2
    assert run.nonfinite_parameters == ["readout.bias"]


def test_training_updates_the_models_own_parameters_in_place():
    """The model trained is the caller's: its own parameter tensors, updated in place (same
    storage before and after), with the real gradients, exactly as torch.optim.SGD would."""
    model = helpers.mlp(2, 16, in_features=64, out_features=10, seed=3)
    twin = helpers.mlp(2, 16, in_features=64, out_features=10, seed=3)
    data = helpers.digits()
    storage = [p.data_ptr() for p in model.parameters()]
    helpers.train(model, data, steps=5, lr=0.1, momentum=0.9, progress=False)
    assert [p.data_ptr() for p in model.parameters()] == storage  # not re-seated anywhere else
    optimizer = torch.optim.SGD(twin.parameters(), lr=0.1, momentum=0.9)
    from helpers.seeding import generator

    batches = generator(0, "batches")
    for _ in range(5):
        batch = torch.randint(0, len(data.x_train), (64,), generator=batches)
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(twin(data.x_train[batch]), data.y_train[batch]).backward()
        optimizer.step()
    for (name, ours), theirs in zip(model.named_parameters(), twin.parameters()):
        torch.testing.assert_close(ours, theirs, msg=name)
        torch.testing.assert_close(ours.grad, theirs.grad, msg=name)


def test_a_frozen_layer_is_recorded_with_zero_gradient_and_unchanged_weights():
    model = helpers.mlp(3, 16, in_features=64, out_features=10)
    model.hidden[1].linear.weight.requires_grad_(False)
    frozen = model.hidden[1].linear.weight.detach().clone()
    run = helpers.train(model, helpers.digits(), steps=5, progress=False)
    assert run.layer_grad_norm.shape == (5, 4) and (run.layer_grad_norm[:, 1] == 0).all()
    assert (run.layer_grad_norm[:, [0, 2, 3]] > 0).all()
    assert np.allclose(run.layer_weight_norm[:, 1], frozen.norm().item())
    assert torch.equal(model.hidden[1].linear.weight, frozen)


def test_a_model_whose_hidden_layers_are_all_frozen_trains_its_readout():
    model = helpers.mlp(3, 16, in_features=64, out_features=10)
    for parameter in model.hidden.parameters():
        parameter.requires_grad_(False)
    before = model.readout.weight.detach().clone()
    run = helpers.train(model, helpers.digits(), steps=20, progress=False)
    assert not run.diverged and not torch.equal(model.readout.weight, before)
    assert (run.layer_grad_norm[:, :3] == 0).all() and (run.layer_grad_norm[:, 3] > 0).all()


def test_a_model_with_nothing_to_train_is_refused_clearly():
    model = helpers.mlp(1, 8, in_features=64, out_features=10)
    model.requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameters"):
        helpers.train(model, helpers.digits(), steps=1, progress=False)


def test_a_huge_but_finite_weight_is_not_called_non_finite():
    """The finiteness check must not overflow: a float32 2-norm of a bias near 1e20 is inf,
    though every entry is finite (and its gradient, softmax − one-hot, is small)."""
    model = helpers.mlp(1, 8, "tanh", in_features=64, out_features=10)
    with torch.no_grad():
        model.readout.bias[0] = 1e20
    assert not torch.isfinite(torch.linalg.vector_norm(model.readout.bias * 10))
    run = helpers.train(model, helpers.digits(), steps=3, lr=1e-3, progress=False)
    assert not run.diverged, run.summary()


@pytest.mark.parametrize("kind", ["norm", "value"])
def test_clipping_is_torchs_and_says_when_it_fired(kind):
    """One step of helpers.train with clipping against the same step written with torch's own
    clip_grad_norm_ / clip_grad_value_ on the same minibatch."""
    from helpers.seeding import generator as random_stream

    data = helpers.digits(seed=0)
    threshold = 0.5 if kind == "norm" else 0.01
    ours = helpers.mlp(3, 16, "relu", "he_normal", in_features=64, out_features=10, seed=4)
    theirs = helpers.mlp(3, 16, "relu", "he_normal", in_features=64, out_features=10, seed=4)
    run = helpers.train(
        ours,
        data,
        steps=1,
        lr=0.1,
        batch_size=32,
        seed=5,
        progress=False,
        **{f"clip_{kind}": threshold},
    )
    batch = torch.randint(0, len(data.x_train), (32,), generator=random_stream(5, "batches"))
    torch.nn.functional.cross_entropy(theirs(data.x_train[batch]), data.y_train[batch]).backward()
    if kind == "norm":
        before = float(torch.nn.utils.clip_grad_norm_(theirs.parameters(), threshold))
        assert run.grad_norm[0] == pytest.approx(before, rel=1e-5)  # recorded before clipping
    else:
        torch.nn.utils.clip_grad_value_(theirs.parameters(), threshold)
    with torch.no_grad():
        for p in theirs.parameters():
            p -= 0.1 * p.grad
    for a, b in zip(ours.parameters(), theirs.parameters()):
        assert torch.allclose(a, b, atol=1e-6)
    assert run.clipped.tolist() == [True] and run.clipped_fraction == 1.0
    unclipped = helpers.train(
        helpers.mlp(2, 8, in_features=64, out_features=10), data, steps=3, progress=False
    )
    assert unclipped.clipped.tolist() == [False] * 3 and unclipped.clipped_fraction == 0.0
