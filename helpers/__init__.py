"""helpers: the plumbing of the course "Vanishing & Exploding Gradients".

The maths is in the notebooks; this package holds what would distract from it. One module per
idea: ``activations``, ``inits``, ``nets`` (the model builder), ``probe`` (one forward/backward
pass, summarised per layer), ``recurrent`` (RNN/LSTM/GRU and how far back their gradients
reach), ``data``, ``training``, ``theory`` (the variance recursion, mean field), ``plots``
(palette, style, per-layer plots), ``figures`` (interactive figures, specified once),
``display`` (showing them: the control panel, the handout gallery), ``claims``, ``exercises`` and
``chapters`` (each notebook's figures and exercises).
"""

from . import (  # used by the notebooks as helpers.plots.…, helpers.theory.…
    chapters,  # noqa: F401 (registers every chapter's figures and exercises)
    plots,
    theory,
)
from .activations import ACTIVATIONS, Activation, get_activation
from .claims import ClaimFailed, claim
from .data import Dataset, adding_problem, adding_task, digits, gaussian_batch, teacher
from .display import show
from .exercises import EXERCISES, check
from .figures import FIGURES, KNOBS, InteractiveFigure, interactive_figure, knob
from .inits import INITS, get_init
from .nets import MLP, mlp
from .probe import Profile, profile
from .recurrent import recurrent_gradient_norms, sequence_model
from .session import in_app, setup
from .training import TrainingRun, train

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "get_activation",
    "INITS",
    "get_init",
    "mlp",
    "MLP",
    "profile",
    "Profile",
    "recurrent_gradient_norms",
    "sequence_model",
    "digits",
    "teacher",
    "gaussian_batch",
    "adding_problem",
    "adding_task",
    "Dataset",
    "train",
    "TrainingRun",
    "FIGURES",
    "KNOBS",
    "InteractiveFigure",
    "interactive_figure",
    "knob",
    "show",
    "claim",
    "ClaimFailed",
    "EXERCISES",
    "check",
    "setup",
    "in_app",
    "plots",
    "theory",
]
