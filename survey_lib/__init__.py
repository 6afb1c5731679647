"""survey_lib: geometry-aware neural style transfer on faces (NST, AdaIN, DST, FastDST, Face-of-Art).

Conventions (used by every module):

* images are ``(1, 3, H, W)`` float tensors, RGB in ``[0, 1]``;
* points are ``(K, 2)`` tensors of ``(x, y)`` pixel coordinates, ``x`` = column, ``y`` = row,
  ``(0, 0)`` = centre of the top-left pixel.
"""
from .images import ImageError, load_image, save_image
from .methods import MethodResult, run
from .profiles import PROFILES, Profile, get_profile
from .vgg import VGG19Features, WeightsNotFoundError

__version__ = "0.1.0"
__all__ = ["ImageError", "load_image", "save_image", "MethodResult", "run", "PROFILES", "Profile", "get_profile",
           "VGG19Features", "WeightsNotFoundError", "__version__"]
