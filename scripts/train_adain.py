"""Train the project's AdaIN decoder on registry images (resumable, logged, time-bounded).

    python scripts/train_adain.py --minutes 20            # resumes from build/adain/checkpoint.pt if present
    python scripts/train_adain.py --minutes 20 --fresh    # start over

Content images: photographs from scikit-image's bundled data and Debian's opencv-doc samples. Style images: the
paintings, cartoons and textures of data/ plus Open Clip Art people (Debian openclipart-png). Held out for
evaluation: the content "astronaut" and the style "mona_lisa". Writes survey_lib/weights/adain_decoder.pt (fp16),
a loss log (CSV) and the model card survey_lib/weights/ADAIN_MODEL_CARD.md.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from survey_lib import data  # noqa: E402
from survey_lib.adain import PROJECT_DECODER, STYLE_LAYERS, Decoder, adain, style_loss  # noqa: E402
from survey_lib.images import ImageError, load_image  # noqa: E402
from survey_lib.losses import content_loss  # noqa: E402
from survey_lib.utils import progress, seed_everything  # noqa: E402
from survey_lib.vgg import VGG19Features  # noqa: E402

HELD_OUT = {"astronaut", "mona_lisa"}
WORK = ROOT / "build" / "adain"


def image_pools(cache: Path) -> tuple[list, list]:
    """(content tensors, style tensors), each image loaded once at short side 160."""
    import skimage.data

    def load_all(paths):
        out = []
        for p in paths:
            try:
                img = load_image(p)
            except ImageError:
                continue
            h, w = img.shape[-2:]
            s = 160 / min(h, w)
            out.append(torch.nn.functional.interpolate(img, size=(max(96, round(h * s)), max(96, round(w * s))),
                                                       mode="bilinear", antialias=True, align_corners=False))
        return out

    sk = Path(skimage.data.__file__).parent
    names = {"coffee", "chelsea", "rocket", "motorcycle_left", "hubble_deep_field", "chessboard_RGB", "color",
             "retina", "cell"}
    content = [p for p in sk.glob("*.png") if p.stem in names]
    content += sorted((cache / "opencv-doc/usr/share/doc/opencv-doc/examples/data").glob("*.jpg"))
    content += [data.path(e.name) for e in data.list_images(role="content") if e.name not in HELD_OUT]
    style = [data.path(e.name) for e in data.list_images(role="style") if e.name not in HELD_OUT]
    style += sorted((cache / "openclipart-png/usr/share/openclipart/png/people").glob("*.png"))
    return load_all(content), load_all(style)


def random_batch(pool: list, n: int, crop: int, rng: random.Random) -> torch.Tensor:
    out = []
    for _ in range(n):
        img = pool[rng.randrange(len(pool))]
        h, w = img.shape[-2:]
        y, x = rng.randint(0, h - crop), rng.randint(0, w - crop)
        out.append(img[..., y:y + crop, x:x + crop])
    return torch.cat(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=20.0, help="wall-clock budget of this run")
    ap.add_argument("--crop", type=int, default=64)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--style-weight", type=float, default=2.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cache", default="/tmp/survey_data_cache", help="where scripts/build_data.py unpacked the debs")
    ap.add_argument("--fresh", action="store_true")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    seed_everything(0)
    rng = random.Random(0)
    WORK.mkdir(parents=True, exist_ok=True)
    ckpt_path, log_path = WORK / "checkpoint.pt", WORK / "loss.csv"

    content_pool, style_pool = image_pools(Path(args.cache))
    print(f"content images: {len(content_pool)}, style images: {len(style_pool)}")
    enc = VGG19Features(STYLE_LAYERS, device="cpu")
    dec = Decoder()
    opt = torch.optim.Adam(dec.parameters(), lr=args.lr)
    it, seconds = 0, 0.0
    if ckpt_path.is_file() and not args.fresh:
        ck = torch.load(ckpt_path, weights_only=True)
        dec.load_state_dict(ck["decoder"])
        opt.load_state_dict(ck["optimizer"])
        it, seconds = ck["iteration"], ck["seconds"]
        rng.seed(it)
        print(f"resumed at iteration {it} ({seconds / 60:.1f} min so far)")
    elif log_path.exists():
        log_path.unlink()

    t_end = time.perf_counter() + 60 * args.minutes
    bar = progress(desc="AdaIN decoder")
    with log_path.open("a", newline="") as fh:
        log = csv.writer(fh)
        if it == 0:
            log.writerow(["iteration", "seconds", "content", "style", "total"])
        while time.perf_counter() < t_end:
            t0 = time.perf_counter()
            c = random_batch(content_pool, args.batch, args.crop, rng)
            s = random_batch(style_pool, args.batch, args.crop, rng)
            with torch.no_grad():
                fc = enc(c, ("relu4_1",))["relu4_1"]
                fs = enc(s)
                t = adain(fc, fs["relu4_1"])
            for g in opt.param_groups:  # the paper's inverse decay
                g["lr"] = args.lr / (1 + 5e-5 * it)
            out = dec(t)
            fo = enc(out)
            l_c = content_loss(fo["relu4_1"], t, relative=True)
            l_s = style_loss(fo, fs)
            loss = l_c + args.style_weight * l_s
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            it += 1
            seconds += time.perf_counter() - t0
            log.writerow([it, round(seconds, 2)] + [round(float(v.detach()), 5) for v in (l_c, l_s, loss)])
            bar.update(1)
            if it % 100 == 0:
                fh.flush()
                torch.save({"decoder": dec.state_dict(), "optimizer": opt.state_dict(), "iteration": it,
                            "seconds": seconds}, ckpt_path)
    bar.close()
    torch.save({"decoder": dec.state_dict(), "optimizer": opt.state_dict(), "iteration": it, "seconds": seconds},
               ckpt_path)
    PROJECT_DECODER.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"decoder": {k: v.half() for k, v in dec.body.state_dict().items()},
                "meta": {"iterations": it, "seconds": round(seconds), "crop": args.crop, "batch": args.batch,
                         "style_weight": args.style_weight, "content_images": len(content_pool),
                         "style_images": len(style_pool)}}, PROJECT_DECODER)
    (WORK / "meta.json").write_text(json.dumps({"iterations": it, "seconds": seconds}))
    print(f"saved {PROJECT_DECODER} after {it} iterations ({seconds / 60:.1f} min)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
