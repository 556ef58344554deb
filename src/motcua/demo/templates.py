"""Blank form templates (PDF) for the demo catalogue, rendered with WeasyPrint."""

from __future__ import annotations

from django.template.loader import render_to_string


def blank_form_pdf(*, title: str, procedure: str, code: str) -> bytes:
    from weasyprint import HTML  # loaded here: importing it takes a moment

    html = render_to_string("demo/blank_form.html", {"title": title, "procedure": procedure, "code": code})
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf
