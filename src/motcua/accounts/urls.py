"""Account pages (sign-in at settings.LOGIN_URL, the rest under /tai-khoan/) and the e-identity sign-in (/oidc/)."""

from django.urls import path

from motcua.accounts import oidc, views

app_name = "accounts"

urlpatterns = [
    path("dang-nhap/", views.login_view, name="login"),
    path("tai-khoan/", views.account_home, name="home"),
    path("tai-khoan/dang-ky/", views.register_view, name="register"),
    path("tai-khoan/xac-minh/", views.verify_view, name="verify"),
    path("tai-khoan/xac-minh/gui-lai/", views.resend_view, name="resend"),
    path("tai-khoan/quen-mat-khau/", views.password_forgot_view, name="password_forgot"),
    path("tai-khoan/dat-lai-mat-khau/", views.password_reset_view, name="password_reset"),
    path("tai-khoan/ho-so/", views.profile_view, name="profile"),
    path("tai-khoan/dang-xuat/", views.logout_view, name="logout"),
    # mozilla-django-oidc's views, answering 404 unless the provider is configured (MOTCUA_OIDC_ENABLED)
    path("oidc/authenticate/", oidc.IdentityStartView.as_view(), name="oidc_authenticate"),
    path("oidc/callback/", oidc.IdentityCallbackView.as_view(), name="oidc_callback"),
]
