"""Errors raised while resolving or loading a model. ``str(error)`` is a one-line user message."""


class ModelError(Exception):
    """A model cannot be used."""


class UnknownModelError(ModelError):
    """The model spec is neither a file, a bundled alias nor a model ultralytics can download."""


class ModelUnavailableError(ModelError):
    """The model is known but its weights are not on disk and cannot be downloaded now."""


class UnknownClassError(ModelError):
    """A class name asked for is not one the model detects."""


class ModelNotAllowedError(ModelError):
    """The deployment's ``sources.model_roots`` do not let detectors load this model file."""
