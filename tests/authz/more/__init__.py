"""More rows of the authorization matrix, one module per area; each defines ``ROUTES`` (page
patterns and ``"METHOD api/path"`` keys alike) with the helpers of ``tests.authz.routes``."""
