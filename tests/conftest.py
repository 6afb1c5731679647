import os

import pytest
import torch

os.environ.setdefault("SURVEY_PROGRESS", "0")
torch.set_num_threads(1)  # pytest -n 2 on 2 cores: one thread per worker


@pytest.fixture(scope="session")
def vgg():
    """A real-weight VGG19 up to relu5_1 shared by the tests (the weights load once per worker)."""
    from survey_lib.vgg import VGG19Features

    return VGG19Features(["relu1_1", "relu2_1", "relu3_1", "relu4_1", "conv4_2", "relu5_1"], device="cpu")


@pytest.fixture(autouse=True)
def _seed():
    """Every test sees the same random numbers, whichever worker runs it and in whatever order."""
    torch.manual_seed(0)
