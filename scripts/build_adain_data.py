"""Build the AdaIN decoder's training images from registry packages (Debian .debs and scikit-image's wheel).

    python scripts/build_adain_data.py                 # -> build/adain_data/{content,style}/*.jpg
    python scripts/build_adain_data.py --write-manifest # also rewrite scripts/adain_training_manifest.json

Content: photographs (scikit-image's bundled photos, the nature photos of mate-backgrounds, the photographic
wallpapers of plasma-workspace-wallpapers, and the tuxpaint stamps that are photographs). Style: paintings and
illustrations (the painted portraits of wesnoth-1.16-data and flare-game, and the drawn tuxpaint stamps). Every
image has a short side of at least MIN_SIDE px at the source; it is stored with its short side at STORE_SIDE px.
The committed manifest lists each file with its package, version, path in the package and licence as the
package states it. Nothing from data/ is used, so the held-out pairs (survey_lib.methods.adain.HELD_OUT_PAIRS) are in
neither list; tests/test_adain.py checks that against the manifest.
"""
from __future__ import annotations

import argparse
import fnmatch
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "scripts" / "adain_training_manifest.json"
OUT = ROOT / "build" / "adain_data"
CACHE = Path(tempfile.gettempdir()) / "survey_adain_cache"
MIN_SIDE, STORE_SIDE = 256, 288
#: a stamp is a photograph when, in its 128 px thumbnail, at least this share of the non-white pixels have a colour
#: of their own (drawings repeat a few flat colours; 0.8 separates the two on the stamps we looked at)
PHOTO_DISTINCT = 0.8

WALLPAPER_PHOTOS = {"Autumn", "BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf",
                    "Grey", "Kite", "OneStandsOut", "PastelHills", "Path", "SafeLanding", "summer_1am"}
# (package, glob inside the package, role or "auto" for photo/drawing by colour count)
DEB_SOURCES = [
    ("mate-backgrounds", "usr/share/backgrounds/mate/nature/*.jpg", "content"),
    ("plasma-workspace-wallpapers", "usr/share/wallpapers/*/contents/images/*.jpg", "content"),
    ("tuxpaint-stamps-default", "usr/share/tuxpaint/stamps/**/*.png", "auto"),
    ("wesnoth-1.16-data", "usr/share/games/wesnoth/1.16/data/core/images/portraits/**/*.png", "style"),
    ("flare-game", "usr/share/games/flare/mods/fantasycore/images/portraits/*.png", "style"),
]
#: scikit-image's bundled photographs and the licence its data module states for each
SKIMAGE_PHOTOS = {"coffee.png": "CC0 (Rachel Michetti)", "chelsea.png": "CC0 (Stefan van der Walt)",
                  "rocket.jpg": "public domain (SpaceX)", "hubble_deep_field.jpg": "public domain (NASA)",
                  "retina.jpg": "CC0 1.0 (Häggström)"}
WESNOTH_LICENCE = "GPL-2+ (Battle for Wesnoth game data, Debian package wesnoth-1.16-data)"


def _deb(package: str) -> tuple[Path, str]:
    """Unpack ``package`` into the cache; return its root and version."""
    root = CACHE / package
    if not root.is_dir():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", package], cwd=CACHE, check=True, capture_output=True)
        deb = next(CACHE.glob(f"{package}_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    deb = next(CACHE.glob(f"{package}_*.deb"))
    return root, deb.name.split("_")[1].replace("%3a", ":")


def _licences(root: Path, package: str) -> list[tuple[str, str]]:
    """(Files pattern, License) stanzas of the package's DEP-5 copyright file, in order (the last match wins)."""
    copyright_file = root / "usr/share/doc" / package / "copyright"
    if not copyright_file.is_file():
        return []
    stanzas = []
    for block in re.split(r"\n\s*\n", copyright_file.read_text(errors="replace")):
        files = re.search(r"^Files:(.*(?:\n[ \t].*)*)", block, re.M)
        licence = re.search(r"^License:[ \t]*(\S.*)$", block, re.M)
        if files and licence:
            stanzas += [(pattern, licence.group(1).strip()) for pattern in files.group(1).split()]
    return stanzas


def _licence_of(path: str, stanzas: list[tuple[str, str]], default: str) -> str:
    found = default
    for pattern, licence in stanzas:
        if pattern == "*" or fnmatch.fnmatch(path, f"*/{pattern}") or fnmatch.fnmatch(path, pattern):
            found = licence
    return found


def _flatten(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "P"):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return img.convert("RGB")


def _is_photo(img: Image.Image) -> bool:
    pixels = np.asarray(img.resize((128, 128))).reshape(-1, 3)
    ink = pixels[(pixels < 245).any(axis=1)]
    return len(ink) > 0 and len(np.unique(ink, axis=0)) >= PHOTO_DISTINCT * len(ink)


def _store(img: Image.Image, out: Path) -> None:
    s = STORE_SIDE / min(img.size)
    img.resize((round(img.width * s), round(img.height * s)), Image.LANCZOS).save(out, quality=90)


def collect() -> list[dict]:
    """Every training image: dict(file, role, package, version, path, licence, source_size); the images are
    written under OUT as they are found."""
    rows = []
    for role in ("content", "style"):
        (OUT / role).mkdir(parents=True, exist_ok=True)

    def add(img: Image.Image, role: str, package: str, version: str, path: str, licence: str) -> None:
        stem = re.sub(r"[^A-Za-z0-9]+", "_", f"{package}_{Path(path).with_suffix('')}").strip("_")[-80:]
        file = f"{role}/{stem}.jpg"
        _store(img, OUT / file)
        rows.append({"file": file, "role": role, "package": package, "version": version, "path": path,
                     "licence": licence, "source_size": list(img.size)})

    import skimage

    for name, licence in SKIMAGE_PHOTOS.items():
        with Image.open(Path(skimage.__file__).parent / "data" / name) as im:
            add(im.convert("RGB"), "content", "scikit-image", skimage.__version__, f"skimage/data/{name}", licence)
    for package, pattern, role in DEB_SOURCES:
        root, version = _deb(package)
        stanzas = _licences(root, package)
        best: dict[str, Path] = {}
        for f in sorted(root.glob(pattern)):
            if package == "plasma-workspace-wallpapers":  # one (the largest) file per photographic wallpaper
                name = f.parts[-4]
                if name in WALLPAPER_PHOTOS and (name not in best or f.stat().st_size > best[name].stat().st_size):
                    best[name] = f
                continue
            best[str(f)] = f
        for f in best.values():
            with Image.open(f) as im:
                if min(im.size) < MIN_SIDE:
                    continue
                img = _flatten(im)
            rel = str(f.relative_to(root))
            kind = ("content" if _is_photo(img) else "style") if role == "auto" else role
            default = WESNOTH_LICENCE if package.startswith("wesnoth") else "not stated"
            add(img, kind, package, version, rel, _licence_of(rel, stanzas, default))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write-manifest", action="store_true", help=f"rewrite {MANIFEST.relative_to(ROOT)}")
    args = ap.parse_args(argv)
    rows = collect()
    counts = {r: sum(x["role"] == r for x in rows) for r in ("content", "style")}
    print(f"{counts['content']} content and {counts['style']} style images in {OUT}")
    if args.write_manifest:
        MANIFEST.write_text(json.dumps({"min_side": MIN_SIDE, "store_side": STORE_SIDE, "images": rows}, indent=1)
                            + "\n")
        print(f"wrote {MANIFEST}")
    else:
        listed = {r["file"] for r in json.loads(MANIFEST.read_text())["images"]}
        if listed != {r["file"] for r in rows}:
            print(f"warning: the images differ from {MANIFEST.name}; rerun with --write-manifest", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
