"""Each notebook's interactive figures and exercises, one module per notebook. Importing this
package registers all of them in ``helpers.FIGURES`` and ``helpers.EXERCISES``."""
from . import (activation_functions, chain_rule, exploding_gradients,  # noqa: F401
               residual_connections, vanishing_gradients, weight_initialization)
