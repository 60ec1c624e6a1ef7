"""mmengine components: optimizer constructors, loops, hooks, wrappers."""
from . import hooks, loops, optimizers, wrappers  # noqa: F401  (registration)
