from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from annotator.api import frames, review, studies, views
from annotator.api.tokens import TokenApi

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script, so it runs under the site's CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("token/", TokenApi.as_view(), name="api-token"),
    path("projects/", views.ProjectListApi.as_view(), name="api-projects"),
    path("projects/<int:project_id>/", views.ProjectDetailApi.as_view(), name="api-project"),
    path("projects/<int:project_id>/subjects/", views.SubjectListApi.as_view(), name="api-subjects"),
    path("projects/<int:project_id>/clips/", views.ClipListApi.as_view(), name="api-clips"),
    path("clips/<int:clip_id>/", views.ClipDetailApi.as_view(), name="api-clip"),
    path("clips/<int:clip_id>/events/", views.ClipEventListApi.as_view(), name="api-clip-events"),
    path("clips/<int:clip_id>/frames/<int:frame_id>.jpg", frames.frame_image, name="api-frame"),
    path("clips/<int:clip_id>/faces/<int:frame_id>.jpg", frames.face_image, name="api-face"),
    path("clips/<int:clip_id>/coding/", studies.ClipCodingApi.as_view(), name="api-clip-coding"),
    path("clips/<int:clip_id>/submit/", studies.ClipSubmitApi.as_view(), name="api-clip-submit"),
    path("projects/<int:project_id>/next-clip/", studies.NextClipApi.as_view(), name="api-next-clip"),
    path("clips/<int:clip_id>/frames/blocks/<int:block>.bin", frames.frame_block, name="api-frame-block"),
    path("clips/<int:clip_id>/faces/blocks/<int:block>.bin", frames.face_block, name="api-face-block"),
    path("events/<int:event_id>/", views.EventDetailApi.as_view(), name="api-event"),
    path("events/<int:event_id>/history/", views.EventHistoryApi.as_view(), name="api-event-history"),
    path("jobs/<int:job_id>/", views.JobDetailApi.as_view(), name="api-job"),
    path("clips/<int:clip_id>/gold/", review.GoldEventCreateApi.as_view(), name="api-clip-gold"),
    path("events/review/", review.EventMarkReviewedApi.as_view(), name="api-events-review"),
    path("events/<int:event_id>/comments/", review.EventCommentListApi.as_view(), name="api-event-comments"),
    path("events/<int:event_id>/restore/", review.EventRestoreApi.as_view(), name="api-event-restore"),
    path("events/<int:event_id>/undelete/", review.EventUndeleteApi.as_view(), name="api-event-undelete"),
]
