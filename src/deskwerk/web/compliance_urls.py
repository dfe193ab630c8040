"""The tenant's compliance pages, included into the ``web`` namespace of ``tenant_urls``."""

from django.urls import path

from deskwerk.web import compliance_views as v

urlpatterns = [
    path("compliance/", v.hub, name="compliance"),
    path("compliance/report/", v.report_page, name="compliance-report"),
    path("compliance/report.pdf", v.report_pdf_view, name="compliance-report-pdf"),
    path("compliance/authorised-persons/", v.authorised_persons, name="authorised-persons"),
    path(
        "compliance/authorised-persons/<int:person_id>/",
        v.authorised_person_edit,
        name="authorised-person",
    ),
    path(
        "compliance/authorised-persons/<int:person_id>/delete/",
        v.authorised_person_remove,
        name="authorised-person-delete",
    ),
    path("compliance/subprocessors/", v.subprocessors, name="subprocessors"),
    path(
        "compliance/subprocessors/<int:subprocessor_id>/object/",
        v.subprocessor_object,
        name="subprocessor-object",
    ),
    path("compliance/notices/", v.notices, name="notices"),
]
