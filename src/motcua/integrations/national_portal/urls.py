from django.urls import path

from motcua.integrations.national_portal import views

app_name = "national_portal_simulator"

urlpatterns = [
    path("<path:endpoint>", views.simulated_portal, name="call"),
]
