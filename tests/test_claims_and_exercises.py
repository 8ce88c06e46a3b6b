import pytest

import helpers


def test_a_true_claim_prints_its_numbers(capsys):
    helpers.claim("two is less than three", 2 < 3, two=2, ratio=1 / 3)
    assert capsys.readouterr().out == "✔ two is less than three  [two = 2, ratio = 0.333]\n"


def test_a_false_claim_fails_loudly():
    with pytest.raises(helpers.ClaimFailed, match="✘ claim no longer holds: pigs fly"):
        helpers.claim("pigs fly", False)


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
