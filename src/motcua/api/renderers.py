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
from django.http import HttpRequest
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
_ENCODER = NinjaJSONEncoder()


class JSONRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        try:
            return orjson.dumps(data, default=_ENCODER.default, option=_OPTIONS)
        except (orjson.JSONEncodeError, TypeError):
            return json.dumps(data, cls=NinjaJSONEncoder).encode()
