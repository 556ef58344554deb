"""`make bench`: run every benchmark and print its figures (copied into docs/performance.md).

`BENCH=working_time make bench` runs only the named benchmarks (comma-separated: catalog_search,
official_forms, working_time, stats, http, mixed).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

BENCHMARKS = ("catalog_search", "official_forms", "working_time", "stats", "http", "mixed")


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root / "src"))
    selected = [name.strip() for name in os.environ.get("BENCH", ",".join(BENCHMARKS)).split(",") if name.strip()]
    unknown = sorted(set(selected) - set(BENCHMARKS))
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    os.environ["DEBUG"] = "true"
    if {"http", "mixed"} & set(selected):
        from bench.http import secret_key

        # the servers these benchmarks start run with DEBUG off and need a real key, shared with this process
        os.environ["SECRET_KEY"] = secret_key()
    if not os.environ.get("DATABASE_URL"):
        os.environ["MOTCUA_VAR_DIR"] = tempfile.mkdtemp(prefix="motcua-bench-")
    import django

    django.setup()
    if "catalog_search" in selected:
        from bench import catalog_search

        catalog_search.run(sizes=[int(n) for n in os.environ.get("BENCH_CATALOG_SIZES", "1000,5000").split(",")])
    if "official_forms" in selected:
        from bench import official_forms

        official_forms.run(repeat=int(os.environ.get("BENCH_FORMS_REPEAT", "30")))
    if "working_time" in selected:
        from bench import working_time

        working_time.run(count=int(os.environ.get("BENCH_WORKING_TIME_PAIRS", "1000000")))
    if "stats" in selected:
        from bench import stats

        if not os.environ.get("DATABASE_URL"):
            print("stats: set DATABASE_URL to a PostgreSQL database with generated dossiers (python -m bench.generate)")
        else:
            stats.run(
                repeat=int(os.environ.get("BENCH_STATS_REPEAT", "20")),
                skip_rebuild="BENCH_STATS_NO_REBUILD" in os.environ,
            )
    for name in ("http", "mixed"):
        if name in selected:
            if not os.environ.get("DATABASE_URL"):
                print(
                    f"{name}: set DATABASE_URL to a PostgreSQL database with generated dossiers (python -m bench.generate)"
                )
                continue
            if name == "http":
                from bench import http

                http.run()
            else:
                from bench import mixed

                mixed.run()


if __name__ == "__main__":
    main()
