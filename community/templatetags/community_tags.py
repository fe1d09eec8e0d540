from django import template

from community.text import excerpt as _excerpt

register = template.Library()


@register.filter
def excerpt(html: str, length: int = 160) -> str:
    """Plain text of a post's (already sanitised) HTML, shortened: for lists."""
    return _excerpt(html or "", int(length))
