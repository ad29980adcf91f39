"""`{% load privacy %}`: `{{ phone|masked_phone }}`, `{{ email|masked_email }}` (ground.privacy)."""

from django import template

from ground.privacy import mask_email, mask_phone

register = template.Library()


@register.filter
def masked_phone(value: str | None) -> str:
    return mask_phone(value)


@register.filter
def masked_email(value: str | None) -> str:
    return mask_email(value)
