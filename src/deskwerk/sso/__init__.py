"""Single sign-on per tenant: the tenant's own identity providers (OpenID Connect)."""
