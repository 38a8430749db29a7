"""The worker entry of ``microrest run --compat --workers N``: each worker process installs the
import hook, then loads the legacy app named by ``MICROREST_COMPAT_TARGET``.
"""

from __future__ import annotations

import os
from typing import Any

from ..cli import load_app
from . import OVERRIDE_ENV, TARGET_ENV, install

__all__ = ["app"]

install(override=os.environ.get(OVERRIDE_ENV) == "1")
app: Any = load_app(os.environ[TARGET_ENV])
