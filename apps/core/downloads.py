"""Files the portal makes for the viewer who asks (workbooks, CSV and JSON exports), sent as downloads.

(Files kept in the private storage are sent by apps.core.storage.private_file_response.)
"""

from django.http import HttpResponse
from django.utils.http import content_disposition_header

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_response(content: bytes, *, filename: str, content_type: str = XLSX) -> HttpResponse:
    """``content`` to save as ``filename``: never sniffed, nor kept by a browser or a proxy cache
    (the figures are the viewer's own scope's), and a filename in any script encoded as RFC 6266 says."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return kept_private(response)


def kept_private(response):
    """``response`` marked for its viewer only: not sniffed as another type, kept by no browser or proxy cache."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
