"""Template helpers shared by the apps' templates."""

from django import template

register = template.Library()


@register.filter
def sorted_items(mapping: dict) -> list[tuple]:
    """A dict's items by key: a JSON field read back from PostgreSQL (jsonb) does not keep the insertion order."""
    return sorted((mapping or {}).items())
