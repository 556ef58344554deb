"""A tiny OpenID Connect provider for the tests: real HTTP on 127.0.0.1, a free port, a fresh RSA key.

/authorize approves at once (redirects to redirect_uri with a code and the state), /token returns an ID token
signed RS256 that carries the nonce of the authorisation request, /userinfo returns the claims for the access
token, /jwks the public key. Knobs let a test make it misbehave: sign with another key, name another audience,
change the nonce or the user-info subject.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "motcua-test-client"
CLIENT_SECRET = "motcua-test-secret"  # the test provider's own


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None


@dataclass
class Provider:
    claims: dict[str, Any]
    client_id: str = CLIENT_ID
    client_secret: str = CLIENT_SECRET
    key: rsa.RSAPrivateKey = field(default_factory=new_key)
    kid: str = "motcua-test-key"
    # misbehaviour
    signing_key: rsa.RSAPrivateKey | None = None  # sign ID tokens with this key instead (bad signature)
    audience: str | None = None  # put this `aud` instead of the client id
    nonce_override: str | None = None
    userinfo_override: dict[str, Any] | None = None
    expires_in: int = 300
    # what happened
    grants: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                provider.requests.append(f"GET {url.path}")
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path == "/authorize":
                    self._send(*provider.authorize(query))
                elif url.path == "/userinfo":
                    self._send(*provider.userinfo(self.headers.get("Authorization", "")))
                elif url.path == "/jwks":
                    self._send(200, provider.jwks())
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                url = urlsplit(self.path)
                provider.requests.append(f"POST {url.path}")
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if url.path == "/token":
                    self._send(*provider.token(form))
                else:
                    self._send(404, {"error": "not_found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # --- life cycle -------------------------------------------------------------------------------------------

    def __enter__(self) -> Provider:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def settings(self) -> dict[str, Any]:
        """The Django settings of a site that uses this provider."""
        return {
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.base_url}/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.base_url}/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.base_url}/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.base_url}/jwks",
            "OIDC_OP_ISSUER": self.base_url,
            "OIDC_RP_SIGN_ALGO": "RS256",
            "OIDC_RP_SCOPES": "openid profile email phone",
            "OIDC_USE_PKCE": True,
            "OIDC_TIMEOUT": 5,
            "MOTCUA_OIDC_ENABLED": True,
        }

    # --- endpoints --------------------------------------------------------------------------------------------

    def authorize(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return 400, {"error": "invalid_request"}, {}
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            nonce=query.get("nonce"),
            code_challenge=query.get("code_challenge"),
        )
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return 302, None, {"Location": location}

    def token(self, form: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        grant = self.grants.pop(form.get("code", ""), None)  # a code works once
        if (
            grant is None
            or form.get("grant_type") != "authorization_code"
            or form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
            or form.get("redirect_uri") != grant.redirect_uri
        ):
            return 400, {"error": "invalid_grant"}, {}
        if grant.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if digest != grant.code_challenge:
                return 400, {"error": "invalid_grant", "error_description": "PKCE"}, {}
        now = int(time.time())
        id_claims = {
            "iss": self.base_url,
            "sub": self.claims["sub"],
            "aud": self.audience or self.client_id,
            "iat": now,
            "exp": now + self.expires_in,
            "nonce": self.nonce_override if self.nonce_override is not None else grant.nonce,
        }
        id_token = jwt.encode(id_claims, self.signing_key or self.key, algorithm="RS256", headers={"kid": self.kid})
        access_token = secrets.token_urlsafe(24)
        self.tokens[access_token] = dict(self.claims)
        body = {"access_token": access_token, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}
        return 200, body, {"Cache-Control": "no-store"}

    def userinfo(self, authorization: str) -> tuple[int, Any, dict[str, str]]:
        scheme, _space, token = authorization.partition(" ")
        claims = self.tokens.get(token) if scheme.lower() == "bearer" else None
        if claims is None:
            return 401, {"error": "invalid_token"}, {"WWW-Authenticate": "Bearer"}
        return 200, {**claims, **(self.userinfo_override or {})}, {}

    def jwks(self) -> dict[str, Any]:
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}
