import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create the administrator account once. Credentials come from MESTUDIO_ADMIN_USER / "
        "MESTUDIO_ADMIN_PASSWORD, or a generated password kept in var/admin-credentials (mode 600)."
    )

    def handle(self, *args, **options):
        username, password = self._credentials()
        users = get_user_model().objects
        user = users.filter(username=username).first()
        if user is None:
            users.create_superuser(username=username, password=password, email="")
            self.stdout.write(f"Created administrator {username!r}.")
        elif os.environ.get("MESTUDIO_ADMIN_PASSWORD") and not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
            self.stdout.write(f"Password of {username!r} set from MESTUDIO_ADMIN_PASSWORD.")

    def _credentials(self) -> tuple[str, str]:
        username = os.environ.get("MESTUDIO_ADMIN_USER", "admin")
        password = os.environ.get("MESTUDIO_ADMIN_PASSWORD")
        if password:
            return username, password
        stored = settings.VAR_DIR / "admin-credentials"
        if stored.exists():
            saved_user, _, saved_password = stored.read_text().strip().partition(":")
            if saved_user == username:
                return username, saved_password
        password = secrets.token_urlsafe(12)
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.touch(mode=0o600)
        stored.write_text(f"{username}:{password}\n")
        return username, password
