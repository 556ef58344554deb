from django.urls import path

from motcua.backoffice import views, views_auth, views_payments, views_results
from motcua.backoffice import views_reports as reports

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
    path("ho-so/<str:code>/ket-qua/", views_results.results, name="results"),
    path("ho-so/<str:code>/ket-qua/dinh-kem/", views_results.result_attach, name="result_attach"),
    path("ho-so/<str:code>/ket-qua/tao/", views_results.result_generate, name="result_generate"),
    path("ho-so/<str:code>/ket-qua/<int:result_id>/", views_results.result_download, name="result_download"),
    path("ho-so/<str:code>/ket-qua/<int:result_id>/ky/", views_results.result_sign, name="result_sign"),
    path("phan-cong/", views.unit_queue, name="unit_queue"),
    path("phe-duyet/", views.approvals, name="approvals"),
    path("tra-ket-qua/", views.returns, name="returns"),
    path("so-theo-doi/", views.tracking, name="tracking"),
    path("canh-bao/", views.alerts, name="alerts"),
    path("ho-so/<str:code>/thanh-toan/", views_payments.dossier_payments, name="payments"),
    path("ho-so/<str:code>/thanh-toan/tien-mat/", views_payments.payment_cash, name="payment_cash"),
    path(
        "ho-so/<str:code>/thanh-toan/<str:reference>/xac-nhan/", views_payments.payment_confirm, name="payment_confirm"
    ),
    path(
        "ho-so/<str:code>/thanh-toan/<str:reference>/bien-lai/", views_payments.payment_receipt, name="payment_receipt"
    ),
    path("sao-ke/", views_payments.payment_statement, name="payment_statement"),
    path("thong-ke/", reports.dashboard, name="reports"),
    path("thong-ke/chi-tiet/", reports.drill_down, name="reports_drill"),
    path("thong-ke/bieu-06.xlsx", reports.form06_xlsx, name="reports_form06_xlsx"),
    path("thong-ke/bieu-06.pdf", reports.form06_pdf, name="reports_form06_pdf"),
]
