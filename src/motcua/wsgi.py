"""WSGI entry point (gunicorn motcua.wsgi).

The URLconf (and through it every view module, pyHanko and WeasyPrint among them) is loaded here, at start-up,
not by the first request a worker serves: that first request used to pay 1–2 s of CPU importing them while
others waited. With `gunicorn --preload` the master loads it once and the workers share it
(docs/operations.md).

Everything loaded by then lives as long as the process, so it is moved out of the garbage collector's sight
(`gc.freeze`): a full collection no longer walks the hundreds of thousands of objects of Django, the
templates and the libraries on every request that triggers one, and the workers' copies of those pages stay
shared. The API's list of 50 dossiers, which allocates enough to trigger them, cost 15 % less CPU and lost
its stalls of a third of a second (docs/performance.md, ninth session).
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 - imported now, not on a worker's first request
gc.collect()  # start-up's own garbage is freed, not frozen with the rest
gc.freeze()
