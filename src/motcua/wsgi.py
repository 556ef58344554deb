"""WSGI entry point (gunicorn motcua.wsgi).

The URLconf (and through it every view module, pyHanko and WeasyPrint among them) is loaded here, at start-up,
not by the first request a worker serves: that first request used to pay 1–2 s of CPU importing them while
others waited. With `gunicorn --preload` the master loads it once and the workers share it
(docs/operations.md).
"""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imported now, not on a worker's first request
