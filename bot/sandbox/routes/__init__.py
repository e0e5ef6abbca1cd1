"""Discord's REST routes, one module per resource, each a ``ResourceRoutes`` group."""
