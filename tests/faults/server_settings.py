"""Settings of the fault tests' servers: the project's, with the static files storage the test suite uses.

Production (`DEBUG` off) serves static files through a manifest that `collectstatic` writes (a minute of
compression); the fault tests never fetch a static file, so they use the plain storage, as tests/conftest.py
does for the in-process tests.
"""

from motcua.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
