"""统一社会信用代码 (GB 32100-2015), DATA-STANDARD.md §1."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_character(first17: str) -> str:
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    r = 31 - total % 31
    return ALPHABET[0 if r == 31 else r]


def normalize_credit_code(raw: object) -> str:
    """Fold width and case, strip spaces, and check the code; raise ValidationError with the reason."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip().upper().replace(" ", "")
    if not text:
        raise ValidationError(_("统一社会信用代码为空"), code="empty")
    if len(text) != 18:
        raise ValidationError(
            _("统一社会信用代码“%(value)s”应为18位,实为%(n)d位") % {"value": text, "n": len(text)}, code="length"
        )
    bad = sorted({c for c in text if c not in ALPHABET})
    if bad:
        raise ValidationError(
            _("统一社会信用代码“%(value)s”含有不允许的字符:%(chars)s(不使用 I、O、S、V、Z)")
            % {"value": text, "chars": "、".join(bad)},
            code="alphabet",
        )
    expected = credit_code_check_character(text[:17])
    if text[17] != expected:
        raise ValidationError(
            _("统一社会信用代码“%(value)s”的校验位是 %(given)s,应为 %(check)s")
            % {"value": text, "given": text[17], "check": expected},
            code="check",
        )
    return text


def is_valid_credit_code(raw: object) -> bool:
    try:
        normalize_credit_code(raw)
    except ValidationError:
        return False
    return True
