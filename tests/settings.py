"""Test settings: the production settings module, with a throwaway key so no DEBUG shortcut is needed."""

import os
import secrets

os.environ.setdefault("SECRET_KEY", f"test-only-{secrets.token_urlsafe(40)}")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from annotator.settings import *  # noqa: E402,F403

# The dummy plugin exists for tests only (NetBox style).
MESTUDIO_PLUGINS = [*MESTUDIO_PLUGINS, "plugins.dummy"]  # noqa: F405

# Django's default PBKDF2 takes most of a second per user on a small machine; tests create dozens.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
