from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Cohort LMS")

    def ready(self) -> None:
        from pathlib import Path

        from django.conf import settings
        from django.urls import register_converter

        from lms.converters import IdConverter

        # Database ids in every urls.py are <id:...>: numbers past 2**63 - 1 are a 404.
        register_converter(IdConverter, "id")

        # beat keeps its schedule there, whatever the broker.
        Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)
        # The embedded filesystem broker needs its folders before the first message.
        if settings.CELERY_BROKER_URL.startswith("filesystem"):
            for key in ("data_folder_in", "processed_folder"):
                Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key]).mkdir(
                    parents=True, exist_ok=True
                )
