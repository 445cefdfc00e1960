"""A config's class names checked against the classes its models report, before a command starts
anything: ``trackcast config check`` checks every camera; ``serve`` the enabled ones, so that a
misspelt class stops it with one line (exit 2) instead of failing inside the server's startup."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from config import AppConfig, DetectorConfig
    from config.class_check import ClassCheck


def check_config_classes(config: AppConfig, source: str, *, enabled_only: bool) -> ClassCheck:
    """The models read and their classes; ConfigError (``source: key: problem; ...``, each
    problem naming the key, the unknown class and the model's classes) on any problem, a model
    that cannot load or that ``sources.model_roots`` refuses included."""
    from config import ConfigError
    from config.class_check import check_classes
    from detectors import ModelError, ModelPolicy

    policy = ModelPolicy(config.sources.model_roots)

    def class_names_of(detector: DetectorConfig) -> Mapping[int, str]:
        from detectors.loader import model_class_names

        try:
            policy.check(detector.model)  # what serve would refuse to load
            return model_class_names(detector.options())
        except ModelError as error:  # check_classes reports ValueErrors at their key
            raise ValueError(str(error)) from None

    result = check_classes(config, class_names_of, enabled_only=enabled_only)
    if result.problems:
        raise ConfigError(f"{source}: " + "; ".join(result.problems))
    return result
