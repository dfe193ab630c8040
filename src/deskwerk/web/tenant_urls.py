"""Pages of one tenant. Served under ``/t/<slug>/`` by ``TenantPathMiddleware``.

Patterns here carry no tenant argument: the middleware strips ``/t/<slug>`` from the path
and makes it the script prefix, so every ``reverse()`` during the request (ours and
django-allauth's) yields a URL inside the same tenant. Outside a request use
``deskwerk.tenancy.urls.tenant_reverse``.
"""

from django.urls import URLPattern, URLResolver, include, path

from deskwerk.web import booking_views, language, session_views, views

web_patterns = (
    [
        path("", booking_views.today, name="home"),
        path("login/", views.login_view, name="login"),
        path("logout/", views.logout_view, name="logout"),
        path("language/", language.set_language, name="language"),
        path("me/sessions/", session_views.sessions_page, name="sessions"),
        path(
            "me/sessions/end-others/",
            session_views.sessions_end_others_view,
            name="sessions-end-others",
        ),
        path(
            "me/sessions/<int:public_id>/end/", session_views.session_end_view, name="session-end"
        ),
        path("", include("deskwerk.web.booking_urls")),
        path("", include("deskwerk.web.admin_urls")),
        path("", include("deskwerk.web.support_urls")),
        path("", include("deskwerk.web.breach_urls")),
        path("", include("deskwerk.web.offboarding_urls")),
        path("", include("deskwerk.web.compliance_urls")),
        path("", include("deskwerk.web.operator_urls")),
        path("", include("deskwerk.web.people_urls")),
        path("", include("deskwerk.web.people_admin_urls")),
        path("", include("deskwerk.web.settings_urls")),
    ],
    "web",
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include(web_patterns)),
    path("accounts/", include("deskwerk.accounts.urls")),
    path("invite/", include("deskwerk.accounts.urls_invite")),
    # Single sign-on: allauth's OIDC paths with our verifying views, ahead of allauth's own.
    path("accounts/oidc/", include("deskwerk.sso.urls")),
    path("accounts/", include("allauth.urls")),
]
