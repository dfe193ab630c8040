"""People administration pages, included into the ``web`` namespace of ``tenant_urls``
(names ``web:admin-people…``, ``web:admin-person…``, ``web:admin-grant-…``)."""

from django.urls import path

from deskwerk.web import people_admin_views as v

urlpatterns = [
    path("admin/people/", v.people_list, name="admin-people"),
    path("admin/people/invite/", v.invite, name="admin-people-invite"),
    path(
        "admin/people/invitations/<int:invitation_id>/withdraw/",
        v.invitation_withdraw,
        name="admin-invitation-revoke",
    ),
    path("admin/people/roles/", v.roles_report, name="admin-people-roles"),
    path("admin/people/<int:person_id>/", v.person_detail, name="admin-person"),
    path("admin/people/<int:person_id>/roles/", v.person_grant, name="admin-person-grant"),
    path(
        "admin/people/<int:person_id>/deactivate/",
        v.person_deactivate,
        name="admin-person-deactivate",
    ),
    path(
        "admin/people/<int:person_id>/reactivate/",
        v.person_reactivate,
        name="admin-person-reactivate",
    ),
    path(
        "admin/people/<int:person_id>/second-factors/reset/",
        v.person_mfa_reset,
        name="admin-person-mfa-reset",
    ),
    path(
        "admin/people/<int:person_id>/password/reset-link/",
        v.person_reset_link,
        name="admin-person-reset-link",
    ),
    path(
        "admin/people/grants/<int:grant_id>/approve/", v.grant_approve, name="admin-grant-approve"
    ),
    path("admin/people/grants/<int:grant_id>/reject/", v.grant_reject, name="admin-grant-reject"),
    path("admin/people/grants/<int:grant_id>/revoke/", v.grant_revoke, name="admin-grant-revoke"),
]
