"""Nexus's web pages: server-rendered HTML (Jinja2, escaped by default) on the same app, sign-in
and services as the API. The core gives the base layout, the security headers, CSRF tokens,
who is viewing, the sign-in page and the static files; a feature adds its pages through
`FeatureCog.page_routes`, with its own templates that extend the core's `base.html`.
"""
