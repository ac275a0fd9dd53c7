"""The private file storage: contract texts, listing files, subsidy evidence and reports.

Files there are served only through views that check the viewer may see their record.
"""


def private_storage():
    """The ``private`` storage of settings.STORAGES (a callable, so settings are read when needed)."""
    from django.core.files.storage import storages

    return storages["private"]


def private_file_response(file, *, filename: str, content_type: str, as_attachment: bool = True):
    """A file of the private storage streamed to a viewer the caller has checked: 404 when the record
    names a file the storage no longer holds, and never sniffed nor kept by a browser or proxy cache."""
    from django.http import FileResponse, Http404

    from apps.core.downloads import kept_private

    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return kept_private(FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type))
