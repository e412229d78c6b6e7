import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

app = Celery("mestudio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["annotator", "mlbackend"])


@app.on_after_configure.connect
def _prepare_broker_folders(sender, **kwargs):
    from django.conf import settings

    if not settings.REDIS_URL:
        for key in ("data_folder_in", "processed_folder", "control_folder"):
            os.makedirs(settings.CELERY_BROKER_TRANSPORT_OPTIONS[key], exist_ok=True)

