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

# Local national portal simulator (answers 404 unless MOTCUA_NATIONAL_PORTAL_SIMULATOR is on).
urlpatterns += [path("mo-phong/dvcqg/", include("motcua.integrations.national_portal.urls"))]

# OAuth 2.0 client credentials for third-party API clients (motcua.clients): POST /api/v1/oauth/token.
from motcua.clients import views as client_views  # noqa: E402

urlpatterns += [path("api/v1/oauth/", include([path("token", client_views.token, name="oauth-token")]))]

# Signed, expiring download links to dossier documents and results sent to the national portal.
urlpatterns += [path("tai-lieu/", include("motcua.integrations.national_portal.link_urls"))]

# A lost database answers 503 (problem+json under /api/) instead of a 500 page; see motcua.core.outage.
handler500 = "motcua.core.outage.server_error"
