from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from annotator.views import audit, composites, exports, imports, pages, setup, studies
from annotator.views.auth import ThrottledLoginView

urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/new/", setup.account_new, name="account-new"),
    path("accounts/set-password/done/", setup.SetPasswordDoneView.as_view(), name="set-password-done"),
    path("accounts/set-password/<uidb64>/<token>/", setup.SetPasswordView.as_view(), name="set-password"),
    path("projects/new/", setup.project_new, name="project-new"),
    path("projects/<int:project_id>/settings/", setup.project_edit, name="project-edit"),
    path("projects/<int:project_id>/assignments/", studies.assignment_list, name="assignment-list"),
    path("assignments/<int:assignment_id>/remove/", studies.assignment_remove, name="assignment-remove"),
    path("queue/", studies.queue, name="queue"),
    path("clips/next/", studies.clip_next, name="clip-next"),
    path("clips/<int:clip_id>/coding/", studies.clip_coding, name="clip-coding"),
    path("clips/<int:clip_id>/submit/", studies.clip_submit, name="clip-submit"),
    path("projects/<int:project_id>/agreement/", studies.agreement_page, name="agreement"),
    path("projects/<int:project_id>/agreement.csv", studies.agreement_download, name="agreement-csv"),
    path("projects/<int:project_id>/agreement/<str:name>.<str:fmt>", studies.agreement_figure,
         name="agreement-figure"),
    path("projects/<int:project_id>/audit/", audit.audit_page, name="audit"),
    path("projects/<int:project_id>/audit.csv", audit.audit_download, name="audit-csv"),
    path("clips/<int:clip_id>/review/", studies.clip_mark_reviewed, name="clip-mark-reviewed"),
    path("clips/<int:clip_id>/deleted/<int:event_id>/restore/", studies.event_undelete_page, name="event-undelete"),
    path("projects/<int:project_id>/", pages.project_detail, name="project"),
    path("projects/<int:project_id>/clips/", pages.clip_table, name="clip-table"),
    path("projects/<int:project_id>/upload/", pages.clip_upload, name="clip-upload"),
    path("projects/<int:project_id>/subjects/", pages.subject_add, name="subject-add"),
    path("projects/<int:project_id>/members/", pages.member_set, name="member-set"),
    path("projects/<int:project_id>/members/<int:user_id>/remove/", pages.member_remove, name="member-remove"),
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
