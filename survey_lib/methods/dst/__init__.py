"""Deformable Style Transfer (Kim, Kolkin, Salavon & Shakhnarovich, ECCV 2020).

Jointly optimises a stylised image ``X`` and displacements ``theta`` of the content keypoints ``P`` so that the
TPS-warped image ``W(X, theta)`` carries the style while its keypoints move toward the style's geometry:

    L = a_s Lc(X, I_c) + Ls(X, I_s) + Ls(W(X, theta), I_s) + beta L_warp + gamma TV(flow)

* ``L_warp = mean_i || p'_i - (p_i + theta_i) ||`` with ``p' = T^-1(q)``: the style keypoints ``q`` brought into
  the content frame by the similarity ``T`` that best maps ``P`` onto ``Q`` (Umeyama), clamped 5 px inside;
* ``TV`` = mean squared finite differences of the dense TPS flow in four directions;
* ``X`` is parameterised as a Laplacian pyramid (5 band-pass levels + residual) and optimised coarse to fine
  over ``scales`` image sizes (H/4, H/2, H for 3 scales) with one SGD optimiser (momentum 0.9); the content
  weight doubles per coarser scale (``a_s = alpha 2^(S-1-s)``).

Two loss families (``loss=``):

``"strotss"`` (default, as in DST)
    hypercolumns of 2048 random positions (VGG19 layers relu1_1, 1_2, 2_1, 2_2, 3_1, 3_2, 3_4, 4_4, 5_4 + RGB:
    2179 dims; DST used VGG16's relu*_1..3_3, 4_3, 5_3, also 2179 dims) against 5000 style samples per scale:
    ``Lc`` = self-similarity (cosine) difference, ``Ls`` = relaxed EMD (cosine) + moment matching (mean, covariance)
    + colour relaxed EMD in an orthonormal YUV space divided by ``max(a_s, 1)``. Defaults alpha/beta/gamma = 8/0.5/50,
    SGD lr 0.3 in [-1, 1] image units, 3 scales x 150 steps: the published settings.
``"gram"``
    Gatys losses (relative content MSE at conv4_2, relative Gram loss at relu1_1..relu5_1), so that NST vs DST
    isolates the effect of the geometric term. Adam.

Speed-ups that keep the objective: style statistics (normalised samples, mean, covariance, colours) are computed
once per scale; ``X`` and ``W(X)`` go through VGG as one batch that stops at the deepest layer needed; hypercolumns
are sampled on the device with ``grid_sample``; the TPS uses 16 border anchors instead of 324.

Points are ``(x, y)`` pixels of the ``size x size`` working images.

The package, along the data flow: :mod:`.config` (settings, result), :mod:`.keypoints` (targets, the spline warp),
:mod:`.pyramid` (the image as a Laplacian pyramid, hypercolumns), :mod:`.transfer` (the optimisation and its
scales) and :mod:`.method` (the registered methods ``dst``, ``fastdst`` and ``oneshot_foa``).
"""
from .config import DSTConfig, DSTResult
from .keypoints import tps_map, warp_map, warp_targets
from .pyramid import hypercolumns, laplacian_pyramid, synthesize
from .transfer import HYPERCOLUMN_LAYERS, deformable_style_transfer
from .method import DST, DSTFamily, FastDST, FastDSTConfig, LandmarkDSTConfig, OneShotFoA

__all__ = ["DSTConfig", "DSTResult", "deformable_style_transfer", "warp_targets", "laplacian_pyramid",
           "synthesize", "warp_map", "tps_map", "hypercolumns", "HYPERCOLUMN_LAYERS", "LandmarkDSTConfig",
           "FastDSTConfig", "DSTFamily", "DST", "FastDST", "OneShotFoA"]
