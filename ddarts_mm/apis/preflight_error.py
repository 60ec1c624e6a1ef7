"""The error of the pre-flight checks (:mod:`.preflight`,
:mod:`.preflight_numbers`), in a module of its own so that both can raise
it."""


class PreflightError(ValueError):
    """An option of a config that cannot run; names the file and the key."""


__all__ = ['PreflightError']
