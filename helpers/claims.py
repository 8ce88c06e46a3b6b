"""Claims: a notebook states a finding, computes it, and checks it in one visible line.

``claim("the first layer's gradient is a millionth of the last's", ratio < 1e-6, ratio=ratio)``
prints ✔ with the measured numbers when it holds, and raises ``ClaimFailed`` when it does not,
so the notebook (and CI, which runs every notebook) fails the day the lesson stops being true.
"""

from __future__ import annotations

import json
import numbers
import os

import numpy as np

# The seed sweep (helpers.seedsweep) sets this to a file: each claim then appends one JSON line
# (statement, whether it held, the numbers) and does not raise, so later claims still run.
RECORD_VARIABLE = "HELPERS_CLAIMS_RECORD"


class ClaimFailed(AssertionError):
    pass


def _format(value) -> str:
    """A measured value as a claim prints it: numbers to three significant figures, and a list or
    array (of any depth) as its elements, each formatted so."""
    if not isinstance(value, str) and np.ndim(value) > 0:
        return "[" + ", ".join(_format(v) for v in np.asarray(value).tolist()) + "]"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return f"{float(value):.3g}"
    return str(value)


def claim(statement: str, holds, **measured) -> None:
    numbers_ = ", ".join(f"{name} = {_format(value)}" for name, value in measured.items())
    detail = f"  [{numbers_}]" if numbers_ else ""
    record = os.environ.get(RECORD_VARIABLE)
    if record:
        with open(record, "a", encoding="utf-8") as log:
            log.write(
                json.dumps(
                    {
                        "statement": statement,
                        "holds": bool(holds),
                        "measured": {k: _format(v) for k, v in measured.items()},
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
        print(f"{'✔' if holds else '✘'} {statement}{detail}")
        return
    if not bool(holds):
        raise ClaimFailed(f"✘ claim no longer holds: {statement}{detail}")
    print(f"✔ {statement}{detail}")
