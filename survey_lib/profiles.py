"""Run profiles shared by the notebooks, the CLI and the tests.

``smoke``   CI: tiny sizes and step counts; every notebook in a few minutes on 2 CPU cores, asserts still real.
``default`` the README's main command: meaningful figures on a 2-core CPU.
``paper``   the survey's Table 1 settings: 256x256 images, 450 optimisation steps (DST: 3 scales x 150).

A profile holds what every method shares (the working size, the matching size) and one section per method
family with that family's settings; each method builds its own config from the profile (see
:mod:`survey_lib.methods`), so a profile never needs to know a method's defaults.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Mapping

__all__ = ["Profile", "PROFILES", "get_profile"]


@dataclass(frozen=True)
class Profile:
    """Sizes and step counts of one profile.

    Attributes:
        name: ``"smoke"``, ``"default"``, ``"paper"`` or a name of your own.
        size: square working size in pixels (the survey resizes to 256x256).
        match_size: NBB matches at this size; landmark detectors run at the image's own size, raised to at least
            this one.
        sections: per method family, settings of its config dataclass (``"nst"``:
        :class:`survey_lib.methods.nst.NSTConfig`
            fields; ``"dst"``: :class:`survey_lib.methods.dst.DSTConfig` fields, read by dst, fastdst and oneshot_foa).
            A family without a section runs its config's defaults.
    """

    name: str
    size: int
    match_size: int = 256
    sections: Mapping[str, Mapping[str, object]] = field(default_factory=dict)

    def __post_init__(self):
        from .settings import MAX_SIZE, check_settings

        check_settings(self, size=(32, MAX_SIZE), match_size=(32, MAX_SIZE))
        # sections stored as sorted tuples: hashable, comparable and picklable
        items = self.sections.items() if isinstance(self.sections, Mapping) else self.sections
        frozen = tuple(sorted((k, tuple(sorted(dict(v).items()))) for k, v in items))
        object.__setattr__(self, "sections", frozen)

    def section(self, family: str) -> dict[str, object]:
        """The settings this profile gives the method family ``family`` (a copy; empty when it gives none)."""
        return dict(dict(self.sections).get(family, ()))

    def replace(self, **changes) -> "Profile":
        """A copy with ``changes``; a section given here is merged into the existing one:
        ``profile.replace(dst={"steps_per_scale": 5})``."""
        names = {f.name for f in fields(self)}
        sections = {k: dict(v) for k, v in self.sections}
        for key in [k for k in changes if k not in names]:
            if not isinstance(changes[key], Mapping):
                raise TypeError(f"unknown profile field {key!r}; fields: {sorted(names)}, or a method family's "
                                "section as a dict, e.g. dst={'steps_per_scale': 5}")
            sections.setdefault(key, {}).update(changes.pop(key))
        return replace(self, **{"sections": sections, **changes})


PROFILES: dict[str, Profile] = {
    "smoke": Profile("smoke", size=64, match_size=160, sections={
        "nst": {"steps": 30},
        "dst": {"scales": 2, "steps_per_scale": 8, "n_samples": 256, "n_style_samples": 512, "theta_lr_scale": 5.0}}),
    # 3 x 15 DST steps instead of 3 x 150: the keypoints' learning rate is raised (by less than 10x, which
    # diverges with momentum) so that they travel about as far as in the published schedule
    "default": Profile("default", size=256, sections={
        "nst": {"steps": 80},
        "dst": {"scales": 3, "steps_per_scale": 15, "n_samples": 1024, "n_style_samples": 2048,
                "theta_lr_scale": 7.5}}),
    "paper": Profile("paper", size=256, sections={"nst": {"steps": 450}, "dst": {"scales": 3, "steps_per_scale": 150}}),
}


def get_profile(profile: "str | Profile") -> Profile:
    """Look up a profile by name (``"smoke"``, ``"default"``, ``"paper"``) or pass a :class:`Profile` through."""
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except (KeyError, TypeError):
        raise ValueError(f"unknown profile {profile!r}; choose one of {sorted(PROFILES)}") from None
