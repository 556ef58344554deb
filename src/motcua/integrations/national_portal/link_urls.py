"""Signed download links to dossier documents and results (`links`), mounted at `/tai-lieu/`."""

from django.urls import path

from motcua.integrations.national_portal import link_views

app_name = "document_links"

urlpatterns = [
    path("<str:token>/", link_views.download, name="file"),
]
