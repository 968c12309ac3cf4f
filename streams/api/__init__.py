"""The HTTP API served by a worker: routes, mention intake, auth."""
