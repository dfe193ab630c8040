"""OpenID Connect through allauth, with the checks allauth leaves out.

allauth 65's ``openid_connect`` provider sends no ``nonce`` and, in the code flow, decodes the
ID token *without* checking its signature (it trusts the TLS channel to the token endpoint).
Deskwerk wants both: a forged or replayed ID token must be refused even if the token endpoint
were spoofed or misconfigured. So the login and callback views here are allauth's with our
provider and OAuth2 adapter classes, mounted at allauth's own path (``accounts/oidc/``) ahead
of allauth's URLs:

* ``TenantOIDCProvider.redirect`` adds a random ``nonce`` to the authorisation request and keeps
  it in allauth's per-login state (in the session, tied to ``state``); PKCE (S256) is on.
* ``TenantOIDCAdapter.complete_login`` verifies the ID token's signature against the issuer's
  JWKS (asymmetric algorithms only), ``iss``, ``aud`` (and ``azp``), ``exp``/``iat`` and the
  nonce, and that the userinfo ``sub`` is the ID token's.

Any failure raises ``OAuth2Error`` with a short reason, which allauth hands to the social
adapter's ``on_authentication_error`` (audited, a 403 page).
"""

from __future__ import annotations

import secrets
from typing import Any

import jwt
import requests
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404, HttpRequest, HttpResponse

from deskwerk.sso.models import IdentityProvider

# Signatures by the issuer's published public keys only: no "none", no shared-secret HMAC.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
LEEWAY_SECONDS = 60
PROVIDER = "openid_connect"


def social_app(provider: IdentityProvider) -> SocialApp:
    """An unsaved allauth app for one of the tenant's providers (never a database row)."""
    return SocialApp(
        provider=PROVIDER,
        provider_id=provider.provider_id,
        name=provider.name,
        client_id=provider.client_id,
        secret=provider.get_secret(),
        settings={
            "server_url": provider.issuer,
            "oauth_pkce_enabled": True,
            "fetch_userinfo": True,
        },
    )


def _same_url(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


class TenantOIDCAdapter(OpenIDConnectOAuth2Adapter):
    """allauth's OIDC adapter, verifying what allauth skips (see the module docstring)."""

    state: dict[str, Any] | None = None

    def _fetch_jwks(self) -> dict[str, Any]:
        with get_adapter().get_requests_session() as sess:
            response = sess.get(self.openid_config["jwks_uri"])
            response.raise_for_status()
            data: dict[str, Any] = response.json()
        return data

    def verify_id_token(self, app: SocialApp, id_token: str) -> dict[str, Any]:
        """The ID token's claims, or ``OAuth2Error`` naming what is wrong."""
        issuer = app.settings["server_url"]
        if not _same_url(str(self.openid_config.get("issuer", "")), issuer):
            raise OAuth2Error("issuer_mismatch")  # discovery must name the configured issuer
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise OAuth2Error("malformed_id_token") from exc
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise OAuth2Error("unsupported_algorithm")
        try:
            keys = jwt.PyJWKSet.from_dict(self._fetch_jwks()).keys
        except (jwt.PyJWTError, ValueError, KeyError) as exc:
            raise OAuth2Error("invalid_jwks") from exc
        kid = header.get("kid")
        candidates = [k for k in keys if kid is None or k.key_id == kid]
        if len(candidates) != 1:
            raise OAuth2Error("unknown_signing_key")
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=candidates[0].key,
                algorithms=[alg],
                audience=app.client_id,
                issuer=str(self.openid_config["issuer"]),
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise OAuth2Error("expired_id_token") from exc
        except jwt.InvalidAudienceError as exc:
            raise OAuth2Error("wrong_audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise OAuth2Error("wrong_issuer") from exc
        except jwt.InvalidSignatureError as exc:
            raise OAuth2Error("bad_signature") from exc
        except jwt.PyJWTError as exc:
            raise OAuth2Error("invalid_id_token") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != app.client_id:
            raise OAuth2Error("wrong_audience")
        expected = (self.state or {}).get("nonce")
        if not expected or not secrets.compare_digest(str(claims.get("nonce", "")), expected):
            raise OAuth2Error("nonce_mismatch")
        return claims

    def complete_login(
        self, request: HttpRequest, app: SocialApp, token: Any, **kwargs: Any
    ) -> Any:
        id_token = kwargs["response"].get("id_token")
        if not id_token or not isinstance(id_token, str):
            raise OAuth2Error("no_id_token")
        claims = self.verify_id_token(app, id_token)
        data: dict[str, Any] = {"id_token": claims}
        try:
            userinfo = self._fetch_user_info(token.token)
        except (requests.RequestException, ValueError) as exc:
            raise OAuth2Error("userinfo_failed") from exc
        if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
            raise OAuth2Error("userinfo_mismatch")  # OIDC Core 5.3.2
        data["userinfo"] = userinfo
        return self.get_provider().sociallogin_from_response(request, data)


class TenantOIDCProvider(OpenIDConnectProvider):
    """allauth's OIDC provider with a nonce in every authorisation request."""

    def get_oauth2_adapter(self, request: HttpRequest) -> TenantOIDCAdapter:
        return TenantOIDCAdapter(request, self.app.provider_id)

    def redirect(
        self,
        request: HttpRequest,
        process: Any,
        next_url: str | None = None,
        data: Any = None,
        **kwargs: Any,
    ) -> Any:
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        auth_params = dict(auth_params if auth_params is not None else self.get_auth_params())
        auth_params["nonce"] = nonce
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )


class _CallbackView(OAuth2CallbackView):
    """allauth's callback, handing the login's state (with our nonce) to the adapter."""

    def _get_state(self, request: HttpRequest, provider: Any) -> Any:
        state, response = super()._get_state(request, provider)
        if isinstance(self.adapter, TenantOIDCAdapter):
            self.adapter.state = state
        return state, response


def login(request: HttpRequest, provider_id: str) -> HttpResponse:
    """Start: redirect to the tenant's identity provider (POST; GET shows a confirmation)."""
    from deskwerk.sso.context_processors import origin

    tenant = getattr(request, "tenant", None)
    rows = IdentityProvider.unscoped.filter(tenant=tenant, enabled=True) if tenant else []
    # The confirmation page's form is redirected to the IdP: let its CSP allow that origin.
    request.csp_form_action = [  # type: ignore[attr-defined]
        o for row in rows if row.provider_id == provider_id and (o := origin(row.issuer))
    ]
    try:
        view = OAuth2LoginView.adapter_view(TenantOIDCAdapter(request, provider_id))
        response: HttpResponse = view(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404("no such identity provider") from exc
    return response


def callback(request: HttpRequest, provider_id: str) -> HttpResponse:
    """Return from the identity provider: verify, apply the tenant's rules, sign in."""
    try:
        view = _CallbackView.adapter_view(TenantOIDCAdapter(request, provider_id))
        response: HttpResponse = view(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404("no such identity provider") from exc
    return response
