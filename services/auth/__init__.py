"""The auth service: accounts, sign-in, RS256 access tokens, rotating refresh tokens, JWKS."""
