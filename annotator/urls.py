from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from annotator.views import composites, exports, imports, pages

urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("projects/<int:project_id>/", pages.project_detail, name="project"),
    path("projects/<int:project_id>/clips/", pages.clip_table, name="clip-table"),
    path("projects/<int:project_id>/upload/", pages.clip_upload, name="clip-upload"),
    path("projects/<int:project_id>/subjects/", pages.subject_add, name="subject-add"),
    path("projects/<int:project_id>/members/", pages.member_set, name="member-set"),
    path("projects/<int:project_id>/exports/", exports.export_start, name="export-start"),
    path("composites/new/", composites.composite_page, name="composite-new"),
    path("exports/<int:export_id>/file/", exports.export_download, name="export-download"),
    path("projects/<int:project_id>/import/", imports.import_page, name="dataset-import"),
    path("projects/<int:project_id>/imports/<int:job_id>/", imports.import_report, name="import-report"),
    path("projects/<int:project_id>/imports/<int:job_id>.json", imports.import_report_data, name="import-report-json"),
    path("clips/<int:clip_id>/", pages.workspace, name="workspace"),
    path("clips/<int:clip_id>/retry/", pages.clip_retry, name="clip-retry"),
    path("api/", include("annotator.api.urls")),
    # The ML backend mounts its own pages and API; annotator itself never imports it.
    path("", include("mlbackend.urls")),
    path("admin/", admin.site.urls),
]
