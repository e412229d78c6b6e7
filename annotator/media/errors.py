class IngestError(Exception):
    """A problem with the input itself; the message is shown to the user as is."""
