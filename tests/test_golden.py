"""Golden outputs: each method's output on one smoke-size pair must match what was recorded for its algorithm
version. A run's store key carries the method's explicit version instead of a hash of its source (so a pure move of
code renames no key); this test is what makes that safe: an edit that changes a method's output without bumping its
``version`` fails here, naming the version to bump.

The outputs are computed in a child process whose arithmetic is pinned to code paths every x86-64 CPU runs alike
(:data:`PINNED`): one thread, PyTorch's scalar kernels, MKL's conditional-numerical-reproducibility mode and
oneDNN's SSE4.1 kernels. Without the pin, the kernels PyTorch, MKL and oneDNN pick for the CPU round differently,
and the optimisation methods carry that into the image (the STROTSS loss takes row and column maxima: DST's output
moved by 0.02-0.04 in 8 x 8 block means within three steps between two instruction sets). With it, NST's, AdaIN's
and Ghiasi's outputs on an AVX-512 CPU and on an emulated AVX2 one (``qemu-x86_64 -cpu Haswell-noTSX``) were
bit-identical.

Record again (after bumping a version, or for a new method): ``python tests/test_golden.py [CASE ...]``.
"""
import hashlib
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

GOLDEN = Path(__file__).with_name("golden_outputs.json")
PAIR = ("astronaut", "mona_lisa")
#: one case per method and per setting that selects another algorithm path
CASES = {
    "nst": ("nst", {}),
    "adain": ("adain", {"decoder": "project"}),
    "adain_optimised": ("adain", {"decoder": "optimised"}),
    "ghiasi": ("ghiasi", {}),
    "dst": ("dst", {}),
    "fastdst": ("fastdst", {}),
    "fastdst_animeface": ("fastdst", {"style_detector": "animeface"}),
    "oneshot_foa": ("oneshot_foa", {"keypoints": "even"}),
    "foa_tps": ("foa_tps", {}),
    "foa_fast": ("foa_fast", {}),
    "foa_fast_stylise_first": ("foa_fast", {"order": "stylise_first", "strength": 0.7}),
}
ANIME_STYLE = "sylvie_blue"  # AnimeFace's path needs an anime face
#: the environment of the child process that computes a fingerprint: arithmetic that does not depend on the CPU
PINNED = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "ATEN_CPU_CAPABILITY": "default",
          "MKL_CBWR": "COMPATIBLE", "ONEDNN_MAX_CPU_ISA": "SSE41"}
#: what is left to float noise where the hashes differ (another release of a dependency, say): the image's 8 x 8
#: block means (in [0, 1]) and the sampling map on an 8 x 8 grid (px); an algorithm change moves far more
IMAGE_TOL, WARP_TOL = 2e-3, 0.02


def _fingerprint_here(case: str) -> dict:
    """The recorded form of one case's output, computed in this process: its algorithm version, SHA-256 of the
    8-bit image and of the sampling map at 1/100 px, and coarse values to compare when the hashes differ."""
    import torch.nn.functional as F

    from survey_lib import methods

    name, settings = CASES[case]
    style = ANIME_STYLE if settings.get("style_detector") == "animeface" else PAIR[1]
    torch.set_num_threads(1)
    res = methods.run(name, PAIR[0], style, profile="smoke", seed=0, show_progress=False, **settings)
    img8 = (res.image.clamp(0, 1) * 255).round().to(torch.uint8)
    out = {"version": methods.get(name).version, "shape": list(res.image.shape),
           "image_sha256": hashlib.sha256(img8.numpy().tobytes()).hexdigest(),
           "image_8x8": [round(v, 5) for v in F.adaptive_avg_pool2d(res.image, 8).flatten().tolist()]}
    if res.warp is not None:
        warp = res.warp.double()
        out["warp_sha256"] = hashlib.sha256((warp * 100).round().to(torch.int64).numpy().tobytes()).hexdigest()
        step = max(warp.shape[0] // 8, 1)
        out["warp_8x8"] = [round(v, 4) for v in warp[::step, ::step].flatten().tolist()]
    return out


def fingerprint(case: str) -> dict:
    """:func:`_fingerprint_here` in a child process with the :data:`PINNED` arithmetic."""
    done = subprocess.run([sys.executable, __file__, "--fingerprint", case], env={**os.environ, **PINNED},
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"computing the golden output of {case} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _recorded() -> dict:
    return json.loads(GOLDEN.read_text()) if GOLDEN.is_file() else {}


def _max_diff(a, b) -> float:
    return float((torch.tensor(a) - torch.tensor(b)).abs().max()) if len(a) == len(b) else float("inf")


@pytest.mark.parametrize("case", sorted(CASES))
def test_output_matches_the_recorded_one_for_its_version(case):
    from survey_lib import methods

    name = CASES[case][0]
    owner = type(methods.get(name)).__name__
    recorded = _recorded().get(case)
    assert recorded is not None, f"no golden output for {case}: record it with `python tests/test_golden.py {case}`"
    now = fingerprint(case)
    assert now["version"] == recorded["version"], (
        f"{owner}.version is {now['version']}, the golden output of {case} was recorded for version "
        f"{recorded['version']}: record it again with `python tests/test_golden.py {case}`")
    where = Path(inspect.getsourcefile(type(methods.get(name)))).relative_to(Path(methods.__file__).parents[2])
    bump = (f"{case}: the output of {name} changed without a version bump: bump {owner}.version in {where} "
            f"({now['version']} -> {now['version'] + 1}), then record it again with "
            f"`python tests/test_golden.py {case}`")
    assert now["shape"] == recorded["shape"], bump
    if now["image_sha256"] != recorded["image_sha256"]:
        assert _max_diff(now["image_8x8"], recorded["image_8x8"]) <= IMAGE_TOL, bump
    assert ("warp_sha256" in now) == ("warp_sha256" in recorded), bump
    if "warp_sha256" in now and now["warp_sha256"] != recorded["warp_sha256"]:
        assert _max_diff(now["warp_8x8"], recorded["warp_8x8"]) <= WARP_TOL, bump


def test_the_pin_reaches_the_child_and_changes_the_arithmetic():
    """The pin is not a no-op: in the child, PyTorch reports its scalar kernels, while this process (as CI and
    the notebooks run it) may use the CPU's vector ones."""
    code = "import torch; print(torch.backends.cpu.get_cpu_capability(), torch.get_num_threads())"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, **PINNED}, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["DEFAULT", "1"]


def test_every_registered_method_has_a_golden_case():
    from survey_lib import methods

    missing = sorted(set(methods.available()) - {name for name, _ in CASES.values()})
    assert not missing, f"add a case for {', '.join(missing)} to CASES in tests/test_golden.py and record it"


if __name__ == "__main__":  # record: python tests/test_golden.py [CASE ...]
    if sys.argv[1:2] == ["--fingerprint"]:  # the child process of fingerprint()
        print(json.dumps(_fingerprint_here(sys.argv[2])))
        sys.exit(0)
    chosen = sys.argv[1:] or sorted(CASES)
    unknown = sorted(set(chosen) - set(CASES))
    if unknown:
        sys.exit(f"unknown case {', '.join(unknown)}; cases: {', '.join(sorted(CASES))}")
    golden = _recorded()
    for case in chosen:
        golden[case] = fingerprint(case)
        print(f"{case}: {golden[case]['image_sha256'][:12]} (version {golden[case]['version']})")
    GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n")
