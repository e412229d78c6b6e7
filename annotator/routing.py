from django.urls import path

from annotator.consumers import ClipPresenceConsumer

websocket_urlpatterns = [path("ws/clips/<int:clip_id>/", ClipPresenceConsumer.as_asgi())]
