"""motcua: one-stop administrative procedures.

The Celery application is exposed here so that `shared_task` binds to it and `celery -A motcua` finds it;
creating it reads no settings and imports no task module (that happens when the worker starts).
"""

from motcua.celery import app as celery_app

__all__ = ["celery_app"]
