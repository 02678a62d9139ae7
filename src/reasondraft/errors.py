"""The one error type for bad input.

Every problem a user can fix (a missing file, broken JSON, an unknown commit, a diff that
does not apply) is raised as :class:`InputError` with a one-line message that names the
file, line or key. The CLI prints that line and exits with status 2; library callers catch
one type.
"""

from reasondraft.redact import mask_keys


class InputError(Exception):
    """Input that cannot be used as given; the message is one line meant for a person."""

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class ModelError(Exception):
    """The model could not produce an answer (transport faults exhausted, a refusal, an
    answer that never parsed); the message is one line naming the model and the cause.

    The message is built from what the server said, and a server may echo the request's
    Authorization header: the API key's value is masked here, where the text is made, so
    no terminal, batch report or caller ever holds it."""

    def __init__(self, message: str) -> None:
        super().__init__(mask_keys(message))


class WriteConflict(Exception):
    """What a command was about to write changed on disk since it started (another run or a
    reviewer got there first); nothing was written. The CLI prints the one-line message
    (which says where the work was saved instead) and exits with status 1."""
