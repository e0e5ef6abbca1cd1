"""The HTTP side: health and metrics, the API under /api/v1, its OpenAPI document and docs."""
