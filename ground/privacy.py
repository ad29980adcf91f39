"""Masking personal data (phones and e-mails) for those who may know that a contact exists but
not reach the person: `138****5678`, `z***@example.edu.cn`. One helper for serializers,
templates (accounts' `privacy` template filters) and exports; who sees data unmasked is each
model's audience rule, not decided here."""

import re

# What a phone or an e-mail looks like inside free text (remarks, audit payloads).
PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")
EMAIL_IN_TEXT = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def mask_phone(phone: str | None) -> str:
    """`13900139000` → `139****9000`: enough to tell numbers apart, not to call."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) <= 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_email(email: str | None) -> str:
    name, _at, domain = (email or "").strip().partition("@")
    return f"{name[:1]}***@{domain}" if domain else ""


def mask_text(text: str) -> str:
    """Every mobile number and e-mail address inside free text, masked."""
    text = PHONE_IN_TEXT.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return EMAIL_IN_TEXT.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
