from django.urls import path

from motcua.portal import views, views_citizen, views_payments, views_results
from motcua.portal import views_stats as stats

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/", views.procedure_list, name="procedures"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure"),
    path("thu-tuc/<str:code>/mau/<int:component_id>/", views.template_download, name="template"),
    path("thu-tuc/<str:code>/nop-truc-tuyen/", views_citizen.submission_start, name="submission_start"),
    path("tra-cuu/", views_citizen.lookup, name="lookup"),
    path("danh-gia/", views_citizen.kiosk_rating, name="kiosk"),
    path("ho-so-cua-toi/", views_citizen.my_dossiers, name="my_dossiers"),
    path("ho-so-cua-toi/nhap/<int:pk>/", views_citizen.draft, name="draft"),
    path("ho-so-cua-toi/nhap/<int:pk>/xem-lai/", views_citizen.draft_review, name="draft_review"),
    path("ho-so-cua-toi/kho-du-lieu/", views_citizen.data_store, name="data_store"),
    path("ho-so-cua-toi/<str:code>/", views_citizen.my_dossier, name="my_dossier"),
    path("ho-so-cua-toi/<str:code>/bo-sung/", views_citizen.my_dossier_supplement, name="my_supplement"),
    path("ho-so-cua-toi/<str:code>/rut/", views_citizen.my_dossier_withdraw, name="my_withdraw"),
    path("ho-so-cua-toi/<str:code>/danh-gia/", views_citizen.my_dossier_rate, name="my_rate"),
    path("ho-so-cua-toi/<str:code>/mau/<str:form>/", views_citizen.my_dossier_form, name="my_form"),
    path("ho-so-cua-toi/<str:code>/giay-to/<int:document_id>/", views_citizen.my_document, name="my_document"),
    path("ho-so-cua-toi/<str:code>/ket-qua/<int:result_id>/", views_results.my_result, name="my_result"),
    path("verify/<str:code>/", views_results.verify, name="verify"),
    # the same page at the Vietnamese address of the public contract
    path("xac-thuc/<str:code>/", views_results.verify, name="verify_vi"),
    path("ho-so-cua-toi/<str:code>/thanh-toan/", views_payments.payment, name="payment"),
    path("ho-so-cua-toi/<str:code>/thanh-toan/bat-dau/", views_payments.payment_start, name="payment_start"),
    path("ho-so-cua-toi/<str:code>/thanh-toan/<str:reference>/qr/", views_payments.payment_qr, name="payment_qr"),
    path(
        "ho-so-cua-toi/<str:code>/thanh-toan/<str:reference>/bien-lai/",
        views_payments.payment_receipt,
        name="payment_receipt",
    ),
    path("thanh-toan/vnpay/ket-qua/", views_payments.vnpay_return, name="vnpay_return"),
    path("thanh-toan/vnpay/ipn/", views_payments.vnpay_ipn, name="vnpay_ipn"),
    path("thanh-toan/paygov/callback/", views_payments.paygov_callback, name="paygov_callback"),
    path("mo-phong/vnpay/", views_payments.vnpay_simulator, name="vnpay_simulator"),
    path("thong-ke/", stats.stats, name="stats"),
    path("thong-ke/du-lieu-mo.csv", stats.open_data_csv, name="stats_csv"),
    path("thong-ke/du-lieu-mo.json", stats.open_data_json, name="stats_json"),
]
