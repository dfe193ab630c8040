"""Single sign-on pages of a tenant, at allauth's own OIDC paths (included ahead of allauth).

The names are allauth's, so ``provider.get_login_url()`` and our links agree.
"""

from django.urls import path

from deskwerk.sso import oidc

urlpatterns = [
    path("<str:provider_id>/login/", oidc.login, name="openid_connect_login"),
    path("<str:provider_id>/login/callback/", oidc.callback, name="openid_connect_callback"),
]
