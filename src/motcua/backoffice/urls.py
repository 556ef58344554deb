from django.urls import path

from motcua.backoffice import views, views_auth

app_name = "backoffice"

urlpatterns = [
    path("dang-nhap/", views_auth.login_view, name="login"),
    path("dang-xuat/", views_auth.logout_view, name="logout"),
    path("xac-thuc/", views_auth.verify_view, name="verify"),
    path("bao-mat/", views_auth.security_view, name="security"),
    path("", views.inbox, name="inbox"),
    path("tiep-nhan/", views.reception, name="reception"),
    path("tiep-nhan/<str:procedure>/", views.reception_form, name="reception_form"),
    path("ho-so/", views.dossier_list, name="dossiers"),
    path("ho-so/<str:code>/", views.dossier_detail, name="dossier"),
    path("ho-so/<str:code>/thao-tac/<str:action>/", views.dossier_action, name="action"),
    path("ho-so/<str:code>/giay-to/<int:document_id>/", views.document_download, name="document"),
    path("ho-so/<str:code>/mau/<str:form>/", views.form_pdf, name="form_pdf"),
    path("phan-cong/", views.unit_queue, name="unit_queue"),
    path("phe-duyet/", views.approvals, name="approvals"),
    path("tra-ket-qua/", views.returns, name="returns"),
    path("so-theo-doi/", views.tracking, name="tracking"),
    path("canh-bao/", views.alerts, name="alerts"),
]
