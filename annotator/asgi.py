import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")
django.setup(set_prefix=False)

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs apps loaded)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

from annotator.asgi_handler import http_handler  # noqa: E402
from annotator.routing import websocket_urlpatterns as annotator_sockets  # noqa: E402
from mlbackend.routing import websocket_urlpatterns as ml_sockets  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Static assets are code, not subject data; serving them here keeps `make run` proxy-free.
        "http": ASGIStaticFilesHandler(http_handler()),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(annotator_sockets + ml_sockets))),
    }
)
