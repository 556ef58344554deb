from django.urls import path

from motcua.portal import views, views_citizen

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
]
