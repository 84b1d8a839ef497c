from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.text import duration_text

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, url_name, label):
    """Render a navigation link, or nothing when `url_name` is not installed."""
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return ""
    request = context.get("request")
    current = request is not None and request.path.startswith(url) and url != "/"
    return format_html(
        '<a href="{}"{}>{}</a>', url, mark_safe(' aria-current="page"') if current else "", label
    )


@register.filter
def duration(value):
    """Render a timedelta as days, hours and minutes (see core.text.duration_text)."""
    return duration_text(value)
