"""`/tai-lieu/<token>/`: a dossier's document or result through a signed, expiring link (see `links`)."""

from __future__ import annotations

import logging

from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from motcua.integrations.national_portal import links

logger = logging.getLogger(__name__)


@require_safe
def download(request: HttpRequest, token: str) -> FileResponse:
    """The file, as an attachment that never runs in the browser; the same 404 for every bad link."""
    linked = links.resolve(token)
    if linked is None:
        raise Http404
    try:
        handle = linked.file.open("rb")
    except OSError as exc:  # the row is there, the stored file is not
        logger.error("document link: %s %s has no stored file", linked.kind, linked.pk)
        raise Http404 from exc
    logger.info("document link used: %s %s", linked.kind, linked.pk)
    response = FileResponse(handle, content_type=linked.content_type, as_attachment=True, filename=linked.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
