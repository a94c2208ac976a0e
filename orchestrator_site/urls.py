from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from orchestrator_site import auth_views, health, spa
from orchestrator_site.api_router import router

urlpatterns = [
    path("api/health", health.health, name="health"),
    path("api/health/", health.health),
    path("api/auth/login/", auth_views.login, name="auth-login"),
    path("api/auth/logout/", auth_views.logout, name="auth-logout"),
    path("api/auth/me/", auth_views.me, name="auth-me"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/schema/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="schema-docs"),
    path("api/", include(router.urls)),
    path("admin/", admin.site.urls),
    # Every other path that is not the API, the admin or a static file is a dashboard route.
    re_path(r"^(?!api/|api$|admin/|static/).*$", spa.index, name="spa"),
]

handler400 = "orchestrator_site.api_errors.bad_request"
handler403 = "orchestrator_site.api_errors.permission_denied"
handler404 = "orchestrator_site.api_errors.not_found"
handler500 = "orchestrator_site.api_errors.server_error"
