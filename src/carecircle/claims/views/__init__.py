"""Claims pages: ``staff`` (worklist, claim page, approvals, dashboard, report), ``customer``
(the phone pages), ``repair`` (calculator, discounted repairs, the shop's portal) and
``documents`` (a claim's files after the access check)."""
