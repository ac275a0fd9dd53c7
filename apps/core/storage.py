"""The private file storage: contract texts, listing files, subsidy evidence and reports.

Files there are served only through views that check the viewer may see their record.
"""


def private_storage():
    """The ``private`` storage of settings.STORAGES (a callable, so settings are read when needed)."""
    from django.core.files.storage import storages

    return storages["private"]
