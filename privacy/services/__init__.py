"""Writes of the privacy app, one module per concern (exports, erasures, retention)."""

from privacy.services.erasures import *  # noqa: F403
from privacy.services.exports import *  # noqa: F403
from privacy.services.retention import *  # noqa: F403
