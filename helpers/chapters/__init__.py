"""Each notebook's interactive figures and exercises, one module per notebook. Importing this
package registers all of them in ``helpers.FIGURES`` and ``helpers.EXERCISES``."""

from . import (
    activation_functions,
    batch_normalization,
    chain_rule,
    edge_of_chaos,
    exploding_gradients,
    gradient_clipping,
    lstm_gru,
    network_redesign,
    playground,
    residual_connections,
    vanishing_gradients,
    weight_initialization,
)

__all__ = [
    "activation_functions",
    "batch_normalization",
    "chain_rule",
    "edge_of_chaos",
    "exploding_gradients",
    "gradient_clipping",
    "lstm_gru",
    "network_redesign",
    "playground",
    "residual_connections",
    "vanishing_gradients",
    "weight_initialization",
]
