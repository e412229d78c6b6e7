import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402  (needs apps loaded)
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Static assets are code, not subject data; serving them here keeps `make run` proxy-free.
        "http": ASGIStaticFilesHandler(django_asgi_app),
    }
)
