"""Business rules. Services take explicit arguments, never read the request and never commit."""


class DomainError(Exception):
    """A rule was broken; the message is for the user, in their language."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NoteConflict(DomainError):
    """Someone saved the note after the version this edit started from."""

    def __init__(self, message: str, note):
        super().__init__(message)
        self.note = note
