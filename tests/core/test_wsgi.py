"""The WSGI entry point loads the views at start-up (not on a worker's first request) and opens nothing that a
forked worker would share (`gunicorn --preload`, docs/operations.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json, sys, threading
import motcua.wsgi
frozen = gc.get_freeze_count()
from django.db import connections
print(json.dumps({
    "loaded": sorted(m for m in ("motcua.urls", "motcua.api.urls", "motcua.backoffice.views") if m in sys.modules),
    "open_connections": [alias for alias in connections if connections[alias].connection is not None],
    "threads": threading.active_count(),
    "frozen": frozen > 100000,  # what start-up loaded, out of the collector's sight
}))
"""


def test_the_wsgi_module_loads_the_views_and_opens_no_connection() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {
        "loaded": ["motcua.api.urls", "motcua.backoffice.views", "motcua.urls"],
        "open_connections": [],
        "threads": 1,
        "frozen": True,
    }
