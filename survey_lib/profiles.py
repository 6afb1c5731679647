"""Run profiles shared by the notebooks, the CLI and the tests.

``smoke``   CI: tiny sizes and step counts; every notebook in a few minutes on 2 CPU cores, asserts still real.
``default`` the README's main command: meaningful figures on a 2-core CPU in well under 30 minutes in total.
``paper``   the survey's Table 1 settings: 256x256 images, 450 optimisation steps (DST: 3 scales x 150).
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

__all__ = ["Profile", "PROFILES", "get_profile"]


@dataclass(frozen=True)
class Profile:
    """Sizes and step counts of one profile. Methods read the fields they need."""

    name: str
    size: int                  #: square working size in pixels (the survey resizes to 256x256)
    nst_steps: int             #: NST optimisation steps (L-BFGS iterations)
    nst_optimizer: str = "lbfgs"
    #: NBB matches at this size; landmark detectors run at the image's own size, raised to at least this one
    match_size: int = 256
    dst_scales: int = 3
    dst_steps_per_scale: int = 150
    dst_samples: int = 2048    #: output/content positions per DST step (STROTSS losses)
    dst_style_samples: int = 5000
    #: theta's learning rate multiplier; profiles with fewer than 450 steps raise it (by less than 450 / steps,
    #: which diverges with momentum) so the keypoints can travel about as far as in the published schedule
    dst_theta_lr_scale: float = 1.0

    def replace(self, **changes) -> "Profile":
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"unknown profile field(s) {sorted(unknown)}")
        return replace(self, **changes)


PROFILES: dict[str, Profile] = {
    "smoke": Profile("smoke", size=64, nst_steps=30, match_size=160, dst_scales=2, dst_steps_per_scale=8,
                     dst_samples=256, dst_style_samples=512, dst_theta_lr_scale=5.0),
    "default": Profile("default", size=256, nst_steps=80, dst_scales=3, dst_steps_per_scale=15, dst_samples=1024,
                       dst_style_samples=2048, dst_theta_lr_scale=7.5),
    "paper": Profile("paper", size=256, nst_steps=450),
}


def get_profile(profile: "str | Profile") -> Profile:
    """Look up a profile by name (``"smoke"``, ``"default"``, ``"paper"``) or pass a :class:`Profile` through."""
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown profile {profile!r}; choose one of {sorted(PROFILES)}") from None
