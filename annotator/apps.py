from django.apps import AppConfig


class AnnotatorConfig(AppConfig):
    name = "annotator"
    verbose_name = "MEStudio annotator"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        import annotator.jobkinds  # noqa: F401  (registers annotator's job kinds)
