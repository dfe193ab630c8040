"""Pages of one tenant. Served under ``/t/<slug>/`` by ``TenantPathMiddleware``.

Patterns here carry no tenant argument: the middleware strips ``/t/<slug>`` from the path
and makes it the script prefix, so every ``reverse()`` during the request (ours and
django-allauth's) yields a URL inside the same tenant. Outside a request use
``deskwerk.tenancy.urls.tenant_reverse``.
"""

from django.urls import URLPattern, URLResolver, include, path

from deskwerk.web import views

web_patterns = (
    [
        path("", views.home, name="home"),
        path("login/", views.login_view, name="login"),
        path("logout/", views.logout_view, name="logout"),
    ],
    "web",
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include(web_patterns)),
]
