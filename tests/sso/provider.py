"""A small but real OpenID Connect provider on loopback, for the single sign-on tests.

HTTP on 127.0.0.1 in a thread of its own (``http.server``): discovery, JWKS (an RSA key made
per run), ``/authorize`` (approves the configured test user at once and redirects back with a
code and the state), ``/token`` (client authentication, one-time code, redirect URI, PKCE S256;
an RS256-signed ID token), ``/userinfo``. Nothing is mocked: Deskwerk talks to it over HTTP
with ``requests`` like to any IdP.

It can misbehave on demand (``misbehave``): wrong audience, wrong issuer, a bad signature, an
expired token, a wrong or missing nonce, ``alg: none``, an HMAC token keyed with the client
secret, a foreign signing key, a userinfo ``sub`` that differs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

MISBEHAVIOURS = frozenset(
    {
        "wrong_audience",
        "wrong_issuer",
        "bad_signature",
        "expired",
        "wrong_nonce",
        "no_nonce",
        "alg_none",
        "hs256",
        "foreign_key",
        "userinfo_other_sub",
        "no_id_token",
        "deny",
    }
)


@dataclass
class TestUser:
    sub: str = "alice-0001"
    email: str = "alice@example.com"
    email_verified: bool = True
    name: str = "Alice Example"
    groups: list[str] = field(default_factory=lambda: ["staff"])
    extra: dict[str, Any] = field(default_factory=dict)  # further claims (e.g. Entra's)

    def claims(self) -> dict[str, Any]:
        return {
            **self.extra,
            "sub": self.sub,
            "email": self.email,
            "email_verified": self.email_verified,
            "name": self.name,
            "groups": list(self.groups),
        }


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    user: TestUser
    scope: str


class OIDCProvider:
    """The provider's state; ``start()`` serves it, ``stop()`` ends the thread."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex[:16]
        self.clients: dict[str, str] = {}
        self.user = TestUser()
        self.misbehave: set[str] = set()
        self.codes: dict[str, Grant] = {}
        self.access_tokens: dict[str, TestUser] = {}
        self.log: list[tuple[str, str, dict[str, Any]]] = []  # (method, path, params)
        self.pkce_seen: list[bool] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle ------------------------------------------------------------------------

    def start(self) -> OIDCProvider:
        provider = self

        class Handler(_Handler):
            idp = provider

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def issuer(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add_client(
        self, client_id: str | None = None, secret: str | None = None
    ) -> tuple[str, str]:
        client_id = client_id or f"client-{secrets.token_hex(4)}"
        secret = secret or secrets.token_urlsafe(24)
        self.clients[client_id] = secret
        return client_id, secret

    # --- documents -------------------------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile", "email"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name", "groups"],
        }

    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return {"keys": [jwk]}

    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            **grant.user.claims(),
            "iss": self.issuer,
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        bad = self.misbehave
        if "wrong_audience" in bad:
            claims["aud"] = "someone-else"
        if "wrong_issuer" in bad:
            claims["iss"] = "https://evil.example"
        if "expired" in bad:
            claims["iat"], claims["exp"] = now - 3600, now - 1800
        if "wrong_nonce" in bad:
            claims["nonce"] = "not-the-nonce"
        if "no_nonce" in bad:
            claims.pop("nonce", None)
        headers = {"kid": self.kid}
        if "alg_none" in bad:
            return jwt.encode(claims, None, algorithm="none", headers=headers)
        if "hs256" in bad:  # the classic key-confusion attempt: HMAC with the client secret
            return jwt.encode(claims, self.clients[grant.client_id], "HS256", headers=headers)
        key = self.key
        if "foreign_key" in bad:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode(claims, key, algorithm="RS256", headers=headers)
        if "bad_signature" in bad:
            head, body, sig = token.split(".")
            raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
            raw[10] ^= 0xFF
            token = ".".join([head, body, base64.urlsafe_b64encode(raw).decode().rstrip("=")])
        return token

    # --- endpoints -------------------------------------------------------------------------

    def authorize(self, params: dict[str, str]) -> tuple[int, dict[str, str], Any]:
        client_id = params.get("client_id", "")
        redirect_uri = params.get("redirect_uri", "")
        if client_id not in self.clients or not redirect_uri.startswith("http"):
            return 400, {}, {"error": "invalid_client"}
        if params.get("response_type") != "code":
            return 400, {}, {"error": "unsupported_response_type"}
        if "openid" not in params.get("scope", "").split():
            return 400, {}, {"error": "invalid_scope"}
        code = secrets.token_urlsafe(24)
        self.codes[code] = Grant(
            client_id=client_id,
            redirect_uri=redirect_uri,
            nonce=params.get("nonce"),
            code_challenge=params.get("code_challenge"),
            code_challenge_method=params.get("code_challenge_method"),
            user=TestUser(
                **{
                    k: (list(v) if isinstance(v, list) else dict(v) if isinstance(v, dict) else v)
                    for k, v in self.user.__dict__.items()
                }
            ),
            scope=params.get("scope", ""),
        )
        query = {"code": code}
        if "deny" in self.misbehave:  # the person (or a policy) said no
            query = {"error": "access_denied"}
        if "state" in params:
            query["state"] = params["state"]
        sep = "&" if "?" in redirect_uri else "?"
        return 302, {"Location": f"{redirect_uri}{sep}{urlencode(query)}"}, None

    def token(self, params: dict[str, str], authorization: str) -> tuple[int, dict[str, str], Any]:
        client_id, secret = params.get("client_id", ""), params.get("client_secret", "")
        if authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization[6:]).decode()
            client_id, _, secret = decoded.partition(":")
        if client_id not in self.clients or not secrets.compare_digest(
            self.clients[client_id], secret
        ):
            return 401, {}, {"error": "invalid_client"}
        if params.get("grant_type") != "authorization_code":
            return 400, {}, {"error": "unsupported_grant_type"}
        grant = self.codes.pop(params.get("code", ""), None)  # one-time
        if grant is None or grant.client_id != client_id:
            return 400, {}, {"error": "invalid_grant"}
        if params.get("redirect_uri") != grant.redirect_uri:
            return 400, {}, {"error": "invalid_grant", "error_description": "redirect_uri"}
        self.pkce_seen.append(grant.code_challenge is not None)
        if grant.code_challenge is not None:
            verifier = params.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
            if grant.code_challenge_method != "S256" or expected != grant.code_challenge:
                return 400, {}, {"error": "invalid_grant", "error_description": "pkce"}
        access = secrets.token_urlsafe(24)
        self.access_tokens[access] = grant.user
        body: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": 300}
        if "no_id_token" not in self.misbehave:
            body["id_token"] = self.id_token(grant)
        return 200, {"Cache-Control": "no-store"}, body

    def userinfo(self, authorization: str) -> tuple[int, dict[str, str], Any]:
        user = self.access_tokens.get(authorization.removeprefix("Bearer ").strip())
        if not authorization.startswith("Bearer ") or user is None:
            return (
                401,
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                {"error": "invalid_token"},
            )
        claims = user.claims()
        if "userinfo_other_sub" in self.misbehave:
            claims["sub"] = "somebody-else"
        return 200, {}, claims


class _Handler(BaseHTTPRequestHandler):
    idp: OIDCProvider

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _answer(self, status: int, headers: dict[str, str], body: Any) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        data = b"" if body is None else json.dumps(body).encode()
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.idp.log.append(("GET", parts.path, params))
        auth = self.headers.get("Authorization", "")
        if parts.path == "/.well-known/openid-configuration":
            self._answer(200, {}, self.idp.discovery())
        elif parts.path == "/jwks":
            self._answer(200, {}, self.idp.jwks())
        elif parts.path == "/authorize":
            self._answer(*self.idp.authorize(params))
        elif parts.path == "/userinfo":
            self._answer(*self.idp.userinfo(auth))
        else:
            self._answer(404, {}, {"error": "not_found"})

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        params = {k: v[0] for k, v in parse_qs(raw).items()}
        self.idp.log.append(("POST", parts.path, params))
        if parts.path == "/token":
            self._answer(*self.idp.token(params, self.headers.get("Authorization", "")))
        elif parts.path == "/userinfo":
            self._answer(*self.idp.userinfo(self.headers.get("Authorization", "")))
        else:
            self._answer(404, {}, {"error": "not_found"})
