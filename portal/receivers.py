"""A news post published in the CMS goes out by email once it is committed."""

from django.dispatch import receiver
from wagtail.signals import page_published

from cms.models import NewsPostPage


@receiver(page_published, sender=NewsPostPage)
def news_post_published(sender, instance, **kwargs) -> None:
    from portal.tasks import news_post_email

    news_post_email.delay_on_commit(instance.pk)
