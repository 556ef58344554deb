"""The Celery application: background jobs and the periodic jobs of `CELERY_BEAT_SCHEDULE`.

Configured from the Django settings whose names start with `CELERY_` (see docs/configuration.md): a Redis
broker when `REDIS_URL` (or `CELERY_BROKER_URL`) is set, otherwise kombu's filesystem transport under
`var/celery/`, so `make run` needs no broker server. Start with
`celery -A motcua worker --beat --loglevel=INFO`.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")

app = Celery("motcua")
app.config_from_object("django.conf:settings", namespace="CELERY")
# tasks live in `<app>/tasks.py` of the installed apps; looked up lazily, when the worker starts
app.autodiscover_tasks()
