"""`make bench`: run every benchmark and print its figures (copied into docs/performance.md)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ["DEBUG"] = "true"
    if not os.environ.get("DATABASE_URL"):
        os.environ["MOTCUA_VAR_DIR"] = tempfile.mkdtemp(prefix="motcua-bench-")
    import django

    django.setup()
    from bench import catalog_search

    catalog_search.run(sizes=[int(n) for n in os.environ.get("BENCH_CATALOG_SIZES", "1000,5000").split(",")])


if __name__ == "__main__":
    main()
