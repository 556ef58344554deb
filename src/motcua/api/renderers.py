"""The API's JSON renderer: orjson, with the answers Django Ninja's own renderer gives.

Ninja writes its answers with the `json` module in Python: a page of 50 dossiers (70 KB) was an eighth of the
list's CPU (docs/performance.md, ninth session). orjson writes the same JSON values in a tenth of the time.
What the two would write differently goes to Ninja's encoder (`default`), so the values are the same:

- dates and times: Django's format (milliseconds, `Z` for UTC), not orjson's;
- dataclasses: refused, as by the `json` module;
- dictionaries with keys that are not text: their keys as text, as the `json` module writes them;
- anything orjson cannot write (an integer beyond 64 bits, a type neither knows): the `json` module, as before.

The text differs only in form: no spaces after separators, and letters outside ASCII written as UTF-8
rather than as `\\u` escapes (the answer's charset is UTF-8), which makes a Vietnamese answer shorter.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
_ENCODER = NinjaJSONEncoder()


def render(data: Any) -> bytes:
    try:
        return orjson.dumps(data, default=_ENCODER.default, option=_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(data, cls=NinjaJSONEncoder).encode()


class JSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return render(data)


def written(data: Any, status: int = 200) -> HttpResponse:
    """`data` as the API's answer, written as is: Ninja does not validate it against the operation's response
    schema and dump it again. Only for answers built to that schema field by field by code whose tests hold
    them to it (`tests/api/test_dossiers_api.py`): for a page of 50 dossiers that round trip through pydantic
    was a seventh of the call's CPU (docs/performance.md, eleventh session). The schema still documents the
    answer."""
    return HttpResponse(render(data), status=status, content_type=f"{JSONRenderer.media_type}; charset=utf-8")
