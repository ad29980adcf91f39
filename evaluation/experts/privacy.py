"""Who reads an expert's phone and e-mail in full, and what everyone else reads: the one rule of
the pages, the exports and the API (ground.privacy does the masking itself).

The platform and the recommending province's office read them in full (they reach the expert to
organise rounds and answer for the recommendation); the expert reads their own; every other reader
of the library (the other provinces) reads them masked: 138****1234, a***@x.com."""

from accounts.roles import Role, role_of
from evaluation.experts.models import Expert
from ground.privacy import mask_email, mask_phone


def shows_contact(user, expert: Expert) -> bool:
    role = role_of(user)
    if role == Role.OPERATOR:
        return True
    if role == Role.PROVINCE:
        return user.organization.province_id == expert.recommending_province_id
    return role == Role.EXPERT and expert.user_id is not None and expert.user_id == user.pk


def contact(user, expert: Expert) -> dict[str, str]:
    """{"phone", "email"} as `user` may read them."""
    if shows_contact(user, expert):
        return {"phone": expert.phone, "email": expert.email}
    return {"phone": mask_phone(expert.phone), "email": mask_email(expert.email)}
