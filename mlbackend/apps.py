from django.apps import AppConfig


class MlbackendConfig(AppConfig):
    name = "mlbackend"
    verbose_name = "MEStudio ML backend"
    default_auto_field = "django.db.models.BigAutoField"
