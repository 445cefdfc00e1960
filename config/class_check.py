"""Class names in a config checked against the classes its models report (``trackcast config
check``): a misspelt class in a zone validates, loads, and never counts anything.

Detector ``classes`` match case-insensitively (as the detector's class filter does); line and zone
``classes`` must match a reported class exactly, as the analysers compare them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from config.geometry import LineConfig, ZoneConfig
from config.models import AppConfig, DetectorConfig

ClassNamesOf = Callable[[DetectorConfig], Mapping[int, str]]
"""The classes a detector's model reports; raises ValueError (ModelError) if it cannot load."""


@dataclass
class ClassCheck:
    """The problems found, each as ``key.path: message``, and the models that were read."""

    problems: list[str] = field(default_factory=list)
    models: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Model → the classes it reports, in class id order."""


def check_classes(config: AppConfig, class_names_of: ClassNamesOf) -> ClassCheck:
    """Check the global detector (when the file sets it or a camera uses it), and each camera's
    detector, lines, zones and privacy classes."""
    result = ClassCheck()
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
    uses_default = any(camera.detector is None for camera in config.cameras)
    if uses_default or "detector" in config.model_fields_set:
        default = kept(config.detector, "detector")
    for index, camera in enumerate(config.cameras):
        key = f"cameras.{index}"
        detector = config.detector_for(camera)
        classes = default if camera.detector is None else kept(detector, f"{key}.detector")
        if classes is None:
            continue
        regions: list[tuple[str, LineConfig | ZoneConfig]] = [
            *((f"{key}.lines.{i}", line) for i, line in enumerate(camera.lines)),
            *((f"{key}.zones.{i}", zone) for i, zone in enumerate(camera.zones)),
        ]
        for region_key, region in regions:
            unknown = [name for name in region.classes if name not in classes]
            if unknown:
                source = "the detector keeps" if detector.classes else "its classes"
                result.problems.append(
                    f"{region_key}.classes: {_names(unknown)} never reported by the detector "
                    f"({detector.model}), so {region.name} would never count "
                    f"{'it' if len(unknown) == 1 else 'them'} ({source}: {', '.join(classes)}; "
                    "names are case-sensitive)"
                )
        hidden = [name for name in camera.privacy.classes if name not in classes]
        if hidden:
            result.problems.append(
                f"{key}.privacy.classes: {_names(hidden)} never reported by the detector "
                f"({detector.model}), so they would be shown unmasked (its classes: "
                f"{', '.join(classes)}; names are case-sensitive)"
            )
    return result


def _names(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names)
