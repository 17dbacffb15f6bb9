import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
application = get_wsgi_application()

# No application without real keys (or the demo's explicit opt-in): a hand-started
# `gunicorn carecircle.wsgi` refuses as `carecircle serve` does (core/keys.py; ADR 0019).
from carecircle.core.keys import require_keys_to_serve  # noqa: E402

require_keys_to_serve()
