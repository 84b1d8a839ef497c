from django import template

from monitoring import selectors

register = template.Library()


@register.simple_tag
def block_reputation(block):
    """Return `selectors.block_reputation(block)` for templates: {% block_reputation block as r %}."""
    return selectors.block_reputation(block)
