"""The privacy app's Celery tasks: thin, each fetches by id and calls a service."""

from privacy.jobs.erasures import *  # noqa: F403
from privacy.jobs.exports import *  # noqa: F403
from privacy.jobs.retention import *  # noqa: F403
