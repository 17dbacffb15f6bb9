"""Alliance pages, one module per audience: ``merchant`` (the merchant portal),
``customer`` (the customer's H5 page), ``staff`` (the service manager's and issuers' pages),
``statements`` (monthly statements, shared by merchants and service managers) and
``common`` (shared helpers and ``home``, which sends each role to its own page).

Thin views: parse, check permission, call one service, render (htmx partials where a form
posts in place)."""
