"""Settings for the test suite: the production module, with DESKWERK_ENV=test."""

import os

os.environ["DESKWERK_ENV"] = "test"

from deskwerk.settings import *  # noqa: F403
