from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class MlbackendConfig(AppConfig):
    name = "mlbackend"
    verbose_name = "MEStudio ML backend"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.conf import settings

        import mlbackend.jobkinds  # noqa: F401  (registers the ML job kinds)
        from mlbackend.contract import PluginError
        from mlbackend.registry import load_plugins

        try:
            load_plugins(list(settings.MESTUDIO_PLUGINS))
        except PluginError as exc:
            raise ImproperlyConfigured(f"MESTUDIO_PLUGINS: {exc}") from exc
