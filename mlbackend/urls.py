from django.urls import path

from mlbackend import analysis_api, api, apex_first_api, views, zoo_views

urlpatterns = [
    path("projects/<int:project_id>/ml/", views.ml_home, name="ml-home"),
    path("projects/<int:project_id>/ml/zoo/", zoo_views.zoo_page, name="ml-zoo-home"),
    path("projects/<int:project_id>/ml/zoo/start/", zoo_views.zoo_start_view, name="ml-zoo-start"),
    path("projects/<int:project_id>/ml/zoo/<slug:zoo_id>/", zoo_views.zoo_page, name="ml-zoo"),
    path("ml/reports/<int:report_id>/", views.report_detail, name="ml-report"),
    path("ml/reports/compare/", views.report_compare, name="ml-report-compare"),
    path("ml/reports/<int:report_id>/download.<str:fmt>", views.report_download, name="ml-report-download"),
    path("ml/reports/<int:report_id>/<str:figure>.<str:fmt>", views.report_figure, name="ml-report-figure"),
    path("api/ml/plugins/", api.PluginListApi.as_view(), name="api-ml-plugins"),
    path("api/projects/<int:project_id>/ml/jobs/", api.MlJobListApi.as_view(), name="api-ml-jobs"),
    path("api/projects/<int:project_id>/ml/versions/", api.ModelVersionListApi.as_view(), name="api-ml-versions"),
    path("api/ml/versions/<int:version_id>/activate/", api.ModelVersionActivateApi.as_view(), name="api-ml-activate"),
    path("api/jobs/<int:job_id>/cancel/", api.JobCancelApi.as_view(), name="api-job-cancel"),
    path("api/jobs/<int:job_id>/retry/", api.JobRetryApi.as_view(), name="api-job-retry"),
    path("api/clips/<int:clip_id>/predictions/", api.ClipPredictionListApi.as_view(), name="api-clip-predictions"),
    path("api/predictions/<int:prediction_id>/accept/", api.PredictionAcceptApi.as_view(), name="api-prediction-accept"),
    path("api/ml/reports/<int:report_id>/", api.ReportDetailApi.as_view(), name="api-ml-report"),
    path("api/clips/<int:clip_id>/analysis/", analysis_api.ClipAnalysisApi.as_view(), name="api-clip-analysis"),
    path("api/clips/<int:clip_id>/flow/<int:frame_id>.jpg", analysis_api.flow_image, name="api-clip-flow"),
    path("api/clips/<int:clip_id>/magnified/<int:frame_id>.jpg", analysis_api.magnified_image,
         name="api-clip-magnified"),
    path("api/clips/<int:clip_id>/propose-interval/", apex_first_api.ProposeIntervalApi.as_view(),
         name="api-clip-propose-interval"),
    path("api/clips/<int:clip_id>/propose-interval/<int:job_id>/", apex_first_api.ProposalDetailApi.as_view(),
         name="api-clip-proposal"),
]
