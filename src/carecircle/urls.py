from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from carecircle.api.api import api
from carecircle.web.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", api.urls),
    path("value/", include("carecircle.value.urls")),
    path("renewals/", include("carecircle.renewals.urls")),
    path("pay/", include("carecircle.policies.urls")),  # proposals: payment link, gateway
    path("policies/", include("carecircle.policies.urls_endorsements")),  # 批改: 过户
    path("claims/", include("carecircle.claims.urls")),
    path("alliance/", include("carecircle.alliance.urls")),
    path("ecosystem/", include("carecircle.ecosystem.urls")),
    path("ecosystem/", include("carecircle.touchpoints.urls")),  # complaints, surveys
    path("notify/", include("carecircle.notify.urls")),
    path("consents/", include("carecircle.parties.urls")),
    path("privacy/", include("carecircle.privacy.urls")),
    path("", include("carecircle.desk.urls")),
    path("", include("carecircle.web.urls")),
]
