"""Every method of the survey behind one interface, and ``run(method, content, style, profile=...)``.

The data flow of one run: a :class:`~survey_lib.evaluation.pairs.Pair` (both images decoded once) -> a :class:`Method`,
which owns its config dataclass and builds it from a profile plus overrides -> a typed :class:`Result` (output image,
the applied warp or ``None``, correspondences, aligned targets, timing, history). Metrics read results
(:mod:`survey_lib.evaluation.metrics`) and :func:`survey_lib.evaluation.evaluate.evaluate` runs grids of them into a
store.

>>> from survey_lib import methods
>>> res = methods.run("nst", "astronaut", "starry_night", profile="smoke")   # catalogue names or paths
>>> res.image.shape, res.timing.optimisation_s                        # doctest: +SKIP

Methods are looked up by name in a registry that refuses a second method of the same name
(:func:`register`, :func:`get`, :func:`available`).

One module per method family holds its algorithm, its config and the adapter it registers:

================  ====================================================================================================
:mod:`.base`      :class:`Result`, :class:`Method` and the registry, :func:`run`, correspondences (:func:`match`)
:mod:`.nst`       Gatys et al.'s optimisation; ``nst``
:mod:`.adain`     AdaIN's network, its decoders and the optimised decoding; ``adain``
:mod:`.ghiasi`    Ghiasi et al.'s trained arbitrary-style network; ``ghiasi``
:mod:`.dst`       DST's optimiser with its STROTSS losses; ``dst``, ``fastdst``, ``oneshot_foa``
:mod:`.foa`       the Face-of-Art pipeline, a spline warp then NST; ``foa_tps``
:mod:`.foa_fast`  the spline toward the style's landmarks and Ghiasi et al.'s network, under a second; ``foa_fast``
================  ====================================================================================================
"""
from .base import (KEYPOINT_SUBSETS, LANDMARK_METHODS, Method, MethodResult, Result, Timing, available, get,
                   landmark_half, match, prepare, register, run)
from ..evaluation.pairs import resolve_image
from .nst import NST
from .adain import AdaIN, AdaINConfig
from .ghiasi import Ghiasi, GhiasiConfig
from .dst import DST, DSTFamily, FastDST, FastDSTConfig, LandmarkDSTConfig, OneShotFoA
from .foa import FoATPS, FoATPSConfig
from .foa_fast import FoAFast, FoAFastConfig

__all__ = ["Timing", "Result", "MethodResult", "Method", "register", "get", "prepare", "run", "available",
           "resolve_image", "match", "landmark_half", "LANDMARK_METHODS", "KEYPOINT_SUBSETS", "NST", "AdaIN",
           "AdaINConfig", "Ghiasi", "GhiasiConfig", "DSTFamily", "DST", "FastDST", "FastDSTConfig", "OneShotFoA",
           "LandmarkDSTConfig", "FoATPS", "FoATPSConfig", "FoAFast", "FoAFastConfig"]
