import json

import numpy as np
import pytest

import helpers


def test_a_true_claim_prints_its_numbers(capsys):
    helpers.claim("two is less than three", 2 < 3, two=2, ratio=1 / 3)
    assert capsys.readouterr().out == "✔ two is less than three  [two = 2, ratio = 0.333]\n"


def test_a_claim_prints_lists_and_arrays_element_by_element(capsys):
    helpers.claim("lists", True, losses=[np.float64(2.28714), 0.1], grid=np.array([[1.23456, 7]]))
    assert capsys.readouterr().out == "✔ lists  [losses = [2.29, 0.1], grid = [[1.23, 7]]]\n"


def test_a_false_claim_fails_loudly():
    with pytest.raises(helpers.ClaimFailed, match="✘ claim no longer holds: pigs fly"):
        helpers.claim("pigs fly", False)


def test_in_the_seed_sweep_a_claim_records_and_does_not_raise(tmp_path, monkeypatch, capsys):
    from helpers.claims import RECORD_VARIABLE

    record = tmp_path / "claims.jsonl"
    monkeypatch.setenv(RECORD_VARIABLE, str(record))
    helpers.claim("one is less than two", 1 < 2, one=1)
    helpers.claim("two is less than one", 2 < 1, two=2.0)  # recorded, not raised
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert [(c["statement"], c["holds"]) for c in lines] == [
        ("one is less than two", True),
        ("two is less than one", False),
    ]
    assert (
        lines[1]["measured"] == {"two": "2"} and "✘ two is less than one" in capsys.readouterr().out
    )


def test_the_seed_sweep_reads_seed_ranges_and_notebook_numbers():
    from helpers import seedsweep

    assert seedsweep.parse_seeds("0-3") == [0, 1, 2, 3]
    assert seedsweep.parse_seeds("0,5,7-9,5") == [0, 5, 7, 8, 9]
    for bad in ["", "3-1", "-2", "a", "1-b"]:
        with pytest.raises(ValueError, match="like 0-19"):
            seedsweep.parse_seeds(bad)
    assert [p.stem[:2] for p in seedsweep.notebooks(["06", "08"])] == ["06", "08"]
    with pytest.raises(ValueError, match="choose from"):
        seedsweep.notebooks(["99"])


def test_the_seed_sweep_counts_each_claim_over_the_seeds(tmp_path, monkeypatch):
    """A two-cell notebook whose second claim holds only at even seeds, and whose last cell
    raises at seed 1 (of 0 and 1): the counts, the failing seeds and the error are reported."""
    import nbformat

    from helpers import seedsweep

    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import helpers; SEED = helpers.setup(seed=0)"),
            nbformat.v4.new_code_cell(
                "helpers.claim('always', True)\nhelpers.claim(f'even {SEED}', SEED % 2 == 0)"
            ),
            nbformat.v4.new_code_cell(
                "if SEED == 1:\n    helpers.claim('asked at one only', True)"
            ),
            nbformat.v4.new_code_cell("assert SEED != 1, 'seed one'"),
        ]
    )
    (tmp_path / "00_tiny.ipynb").write_text(nbformat.writes(notebook))
    monkeypatch.setattr(seedsweep, "NOTEBOOKS", tmp_path)
    monkeypatch.setattr(seedsweep.notebooks, "__defaults__", (None, tmp_path))
    report = seedsweep.sweep([0, 1], progress=False)
    [book] = report["notebooks"]
    assert [(c["held"], c["failed_at"]) for c in book["claims"]] == [(2, []), (1, [1]), (1, [])]
    assert book["claims"][2]["skipped_at"] == [0]  # asked where its condition held, and held
    assert book["claims"][1]["statement"] == "even 0" and "seed one" in book["errors"][1]
    assert "2 of 3 claims held at every seed they were asked at" in seedsweep.table(report)


@pytest.mark.parametrize("key", sorted(helpers.EXERCISES))
def test_reference_solution_is_right_and_others_are_not(key):
    exercise = helpers.EXERCISES[key]
    assert helpers.check(key, exercise.solution()).correct
    assert helpers.check(key, None).status == "unanswered"
    assert helpers.check(key, ...).status == "unanswered"
    wrong = helpers.check(key, exercise.solution() * 1.5 + 1)
    assert wrong.status == "wrong" and "not yet" in repr(wrong)
    assert helpers.check(key, "a string").status == "wrong"


def test_unknown_exercise():
    with pytest.raises(ValueError, match="exercise must be one of '00.1'"):
        helpers.check("99.9", 1)


def test_the_chapter_02_shortcut_has_the_law_of_the_matrix_product():
    """unit_scale_log_norms draws ‖g‖/√n per factor instead of multiplying Gaussian matrices.
    Multiply real matrices and compare the log-norm after 20 factors: same mean and spread."""
    import math

    import torch

    from helpers.chapters.exploding_gradients import unit_scale_log_norms

    width, factors, draws = 16, 20, 400
    generator = torch.Generator().manual_seed(123)
    by_matrices = []
    for _ in range(draws):
        x = torch.randn(width, generator=generator, dtype=torch.float64)
        x /= x.norm()
        for _ in range(factors):
            x = (
                torch.randn(width, width, generator=generator, dtype=torch.float64)
                @ x
                / math.sqrt(width)
            )
        by_matrices.append(math.log(x.norm()))
    shortcut = unit_scale_log_norms(width, draws)[:, factors - 1]
    by_matrices = np.array(by_matrices)
    standard_error = by_matrices.std() * math.sqrt(2 / draws)
    assert abs(by_matrices.mean() - shortcut.mean()) < 4 * standard_error
    assert abs(by_matrices.std() / shortcut.std() - 1) < 0.15
    # and both are what theory says: E log(‖g‖/√n) ≈ −1/(2n) per factor
    assert abs(shortcut.mean() / factors + 1 / (2 * width)) < 0.01


def test_in_app_is_true_only_in_a_voila_kernel(monkeypatch):
    """Voilà gives its kernels VOILA_BASE_URL (and more); JupyterLab, nbval and nbclient none."""
    for name in ("VOILA_BASE_URL", "VOILA_PREHEAT", "VOILA_REQUEST_URL", "SERVER_SOFTWARE"):
        monkeypatch.delenv(name, raising=False)
    assert not helpers.in_app()
    monkeypatch.setenv("SERVER_SOFTWARE", "TornadoServer/6.4")
    assert not helpers.in_app()
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    assert helpers.in_app()


def test_a_voila_app_shows_no_set_up_line_and_no_unanswered_exercise(monkeypatch, capsys):
    """In an app (Voilà's kernel variables set) there is no cell to answer in and no reader of
    the set-up line; in a notebook both are shown. (setup() sets the plot style for the
    process: rc_context puts it back, so the tests after this one draw as before.)"""
    import matplotlib

    with matplotlib.rc_context():
        helpers.setup(seed=0)
    assert "helpers ready" in capsys.readouterr().out
    assert "not answered yet" in helpers.check("00.1", None)._repr_html_()
    monkeypatch.setenv("VOILA_BASE_URL", "/")
    with matplotlib.rc_context():
        helpers.setup(seed=0)
    assert capsys.readouterr().out == ""
    assert helpers.check("00.1", None)._repr_html_() == ""
    assert "right" in helpers.check("00.1", helpers.EXERCISES["00.1"].solution())._repr_html_()
