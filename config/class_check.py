"""Class names in a config checked against the classes its models report (``trackcast config
check``, and each camera as it starts): a misspelt class in a zone validates, loads, and never
counts anything.

Detector ``classes`` match case-insensitively (as the detector's class filter does); the classes
of lines, zones and ignore masks, and the class names of filters, must match a reported class
exactly, as the analysers and filters compare them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from config.filters import ClassFilterConfig
from config.models import AppConfig, CameraConfig, DetectorConfig

ClassNamesOf = Callable[[DetectorConfig], Mapping[int, str]]
"""The classes a detector's model reports; raises ValueError (ModelError) if it cannot load."""


@dataclass
class ClassCheck:
    """The problems found, each as ``key.path: message``, and the models that were read."""

    problems: list[str] = field(default_factory=list)
    models: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Model → the classes it reports, in class id order."""


def check_classes(
    config: AppConfig, class_names_of: ClassNamesOf, *, enabled_only: bool = False
) -> ClassCheck:
    """Check the global detector (when the file sets it or a camera uses it), and each camera's
    detector, lines, zones, ignore masks, filters and privacy classes.

    ``enabled_only``: only the enabled cameras that name a class somewhere, and the detectors
    they use (what ``serve`` and ``run`` start; a camera that names none has nothing to misspell,
    and its model is left to load, or fail, as the camera starts), each still named by its index
    in the file."""
    result = ClassCheck()
    cameras = [
        (index, camera)
        for index, camera in enumerate(config.cameras)
        if not enabled_only or (camera.enabled and names_classes(config, camera))
    ]
    failed: set[str] = set()

    def classes_of(detector: DetectorConfig, key: str) -> tuple[str, ...] | None:
        if detector.model in result.models:
            return result.models[detector.model]
        if detector.model in failed:
            return None
        try:
            names = class_names_of(detector)
        except ValueError as error:
            failed.add(detector.model)
            result.problems.append(f"{key}.model: {error}")
            return None
        result.models[detector.model] = tuple(names[i] for i in sorted(names))
        return result.models[detector.model]

    def kept(detector: DetectorConfig, key: str) -> tuple[str, ...] | None:
        """What the detector reports after its class filter; its unknown classes are problems."""
        reported = classes_of(detector, key)
        if reported is None:
            return None
        by_lower = {name.lower(): name for name in reported}
        unknown = [name for name in detector.classes if name.lower() not in by_lower]
        if unknown:
            result.problems.append(
                f"{key}.classes: {_names(unknown)} not reported by {detector.model} "
                f"(its classes: {', '.join(reported)})"
            )
        wanted = {name.lower() for name in detector.classes}
        return tuple(n for n in reported if n.lower() in wanted) if wanted else reported

    default: tuple[str, ...] | None = None
    uses_default = any(camera.detector is None for _, camera in cameras)
    if uses_default or ("detector" in config.model_fields_set and not enabled_only):
        default = kept(config.detector, "detector")
    for index, camera in cameras:
        key = f"cameras.{index}"
        detector = config.detector_for(camera)
        classes = default if camera.detector is None else kept(detector, f"{key}.detector")
        if classes is None:
            continue
        filters_key = f"{key}.filters." if camera.filters is not None else "filters."
        keys = Keys(f"{key}.", filters_key)
        for problem in camera_problems(camera, config.filters_for(camera), detector, classes, keys):
            if problem not in result.problems:  # the service's filters, for several cameras
                result.problems.append(problem)
    return result


def names_classes(config: AppConfig, camera: CameraConfig) -> bool:
    """Whether the camera's settings name any class: its detector's class filter, its lines,
    zones, ignore masks, privacy classes or class filters (its own or the service's)."""
    return bool(
        config.detector_for(camera).classes
        or any(line.classes for line in camera.lines)
        or any(zone.classes for zone in camera.zones)
        or any(mask.classes for mask in camera.ignore)
        or camera.privacy.classes
        or config.filters_for(camera)
    )


@dataclass(frozen=True, slots=True)
class Keys:
    """How a camera's problems name their keys: the prefix of its own settings (``cameras.0.``),
    and of the filters it uses, its own or the service's (``filters.``)."""

    camera: str
    filters: str


def camera_problems(
    camera: CameraConfig,
    filters: Mapping[str, ClassFilterConfig],
    detector: DetectorConfig,
    classes: tuple[str, ...],
    keys: Keys,
) -> list[str]:
    """The class names in the camera's lines, zones and ignore masks, and in ``filters``, that are
    not among ``classes`` (what its detector reports, after its own class filter)."""
    source = "the detector keeps" if detector.classes else "its classes"
    reported = f"({source}: {', '.join(classes)}; names are case-sensitive)"
    problems = []
    regions: list[tuple[str, str, tuple[str, ...]]] = [
        *((f"lines.{i}", f"{line.name} would never count", line.classes)
          for i, line in enumerate(camera.lines)),
        *((f"zones.{i}", f"{zone.name} would never count", zone.classes)
          for i, zone in enumerate(camera.zones)),
        *((f"ignore.{i}", "the mask would never drop", mask.classes)
          for i, mask in enumerate(camera.ignore)),
    ]  # fmt: skip
    for region_key, effect, names in regions:
        unknown = [name for name in names if name not in classes]
        if unknown:
            them = "it" if len(unknown) == 1 else "them"
            problems.append(
                f"{keys.camera}{region_key}.classes: {_names(unknown)} never reported by the "
                f"detector ({detector.model}), so {effect} {them} {reported}"
            )
    hidden = [name for name in camera.privacy.classes if name not in classes]
    if hidden:
        problems.append(
            f"{keys.camera}privacy.classes: {_names(hidden)} never reported by the detector "
            f"({detector.model}), so they would be shown unmasked {reported}"
        )
    for name in filters:
        if name not in classes:
            problems.append(
                f"{keys.filters}{name}: {name!r} never reported by the detector "
                f"({detector.model}), so this filter would never apply {reported}"
            )
    return problems


def _names(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names)
