"""Accounts made by a site admin: no self-signup. The new person sets their password through a one-time link
built on Django's password-reset tokens (the token is bound to the password hash, so it works once)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from annotator.permissions import can_create_accounts


def set_password_path(user) -> str:
    """The one-time set-password link (a path; the page shows it with the site's host)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("set-password", kwargs={"uidb64": uid, "token": default_token_generator.make_token(user)})


@transaction.atomic
def account_create(*, created_by, username: str, email: str = "", first_name: str = "", last_name: str = "",
                   is_staff: bool = False):
    """Create an account without a usable password; returns (user, one-time set-password path)."""
    if not can_create_accounts(created_by):
        raise PermissionDenied("Only a site administrator creates accounts.")
    user_model = get_user_model()
    username = username.strip()
    try:
        user_model.username_validator(username)
    except ValidationError as exc:
        raise ValidationError({"username": exc.messages}) from None
    if not username:
        raise ValidationError({"username": "An account needs a username."})
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"The username {username!r} is taken."})
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": "That is not an e-mail address."}) from None
    user = user_model(username=username, email=email, first_name=first_name.strip(), last_name=last_name.strip(),
                      is_staff=bool(is_staff))
    user.set_unusable_password()
    user.save()
    return user, set_password_path(user)


def account_reset_link(*, created_by, user) -> str:
    """A fresh one-time link for an account (a forgotten password, a lost link)."""
    if not can_create_accounts(created_by):
        raise PermissionDenied("Only a site administrator issues set-password links.")
    return set_password_path(user)
