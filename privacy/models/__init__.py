from privacy.models.erasures import *  # noqa: F403
from privacy.models.exports import *  # noqa: F403
from privacy.models.notice import PrivacyNotice
from privacy.models.retention import *  # noqa: F403

__all__ = ["PrivacyNotice"]
