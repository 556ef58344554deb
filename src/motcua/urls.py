"""URL configuration: citizen pages at Vietnamese slugs, the API under /api/v1/, the admin.

Uploaded files are never served from a public media URL: each download goes through a view that
checks who may see it.
"""

from django.contrib import admin
from django.urls import include, path

from motcua.api.urls import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("quan-tri/", admin.site.urls),
    path("can-bo/", include("motcua.backoffice.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("motcua.accounts.urls")),
    path("", include("motcua.portal.urls")),
]
