"""The API kernel every app's router uses: authentication, error mapping, idempotent creates,
paging and shared schema types. ``carecircle.api`` only mounts the routers."""
