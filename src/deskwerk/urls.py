"""URL map: the API under /api/v1, tenant web pages under /t/<slug>/."""

from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path
from django.views.static import serve

from deskwerk.api.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/", api.urls),
    path("", include("deskwerk.web.urls")),
]
handler404 = "deskwerk.api.errors.not_found_view"

if settings.DEBUG:
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
