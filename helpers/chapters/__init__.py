"""Each notebook's interactive figures and exercises, one module per notebook. Importing this
package registers all of them in ``helpers.FIGURES`` and ``helpers.EXERCISES``."""
from . import chain_rule, vanishing_gradients  # noqa: F401
