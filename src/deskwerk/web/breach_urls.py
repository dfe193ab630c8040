"""Breach pages, included into the ``web`` namespace of ``tenant_urls``: the operator's
register under ``operator/breaches/`` and the tenant's view under ``compliance/breaches/``."""

from django.urls import path

from deskwerk.web import breach_views as v

urlpatterns = [
    path("operator/breaches/", v.operator_breaches, name="operator-breaches"),
    path("operator/breaches/new/", v.operator_breach_edit, name="operator-breach-new"),
    path("operator/breaches/<int:breach_id>/", v.operator_breach_edit, name="operator-breach"),
    path(
        "operator/breaches/<int:breach_id>/notify/",
        v.operator_breach_notify,
        name="operator-breach-notify",
    ),
    path(
        "operator/breaches/<int:breach_id>/follow-up/",
        v.operator_breach_follow_up,
        name="operator-breach-follow-up",
    ),
    path(
        "operator/breaches/<int:breach_id>/close/",
        v.operator_breach_close,
        name="operator-breach-close",
    ),
    path("compliance/breaches/", v.breaches, name="breaches"),
    path("compliance/breaches/<int:breach_id>/", v.breach_detail, name="breach"),
    path("compliance/breaches/<int:breach_id>/export/", v.breach_export, name="breach-export"),
]
