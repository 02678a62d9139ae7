"""Typed access to the untrusted JSON a reader walks, refusing a wrong type by its key path.

A trajectory is written by an agent harness we do not control, and a file may be damaged
or hostile, so no reader indexes parsed JSON directly. It wraps the document in an
:class:`Obj` and asks for each field with the type it needs — ``doc.obj("info")``,
``info.text("submission")``, ``doc.objs("messages")`` — and gets that type or an
:class:`InputError` naming the file and the key path::

    run.traj.json: info.config.environment: expected an object, got a string

A missing key and ``null`` read as absent (an empty object, an empty list, None): formats
leave out what a run did not produce. A value of the wrong type is never skipped silently.
"""

from __future__ import annotations

from typing import Any

from reasondraft.errors import InputError
from reasondraft.files import parse_json


def kind_of(value: Any) -> str:
    """How an error names what it found instead (``a string``, ``an object``, ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


class Obj:
    """One JSON object of a document: its fields by type, and where it sits for errors.

    ``where`` is the file (or file and line) errors name; ``path`` the key path from the
    document's root (``messages[3].tool_calls[0]``; empty for the root itself).
    """

    __slots__ = ("data", "path", "where")

    def __init__(self, data: dict[str, Any], where: str, path: str = "") -> None:
        self.data = data
        self.where = where
        self.path = path

    @classmethod
    def of(cls, value: Any, where: str, path: str = "", expected: str = "an object") -> Obj:
        """``value`` as an Obj, or an InputError when it is not a JSON object."""
        if not isinstance(value, dict):
            raise wrong_type(value, expected, where, path)
        return cls(value, where, path)

    def at(self, key: str | int) -> str:
        """The key path of a field (a str key) or of a list item (an int) of this object."""
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def wrong(self, key: str, expected: str) -> InputError:
        """The error for a field whose value is not ``expected`` (raise it)."""
        return wrong_type(self.data.get(key), expected, self.where, self.at(key))

    def __contains__(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str) -> Any:
        """The raw value of a field (None when absent), for a field of several forms."""
        return self.data.get(key)

    def obj(self, key: str) -> Obj:
        """An object field; absent reads as an empty object."""
        value = self.data.get(key)
        if isinstance(value, dict):
            return Obj(value, self.where, self.at(key))
        if value is None:
            return Obj({}, self.where, self.at(key))
        raise self.wrong(key, "an object")

    def encoded_obj(self, key: str) -> Obj:
        """An object field that may also arrive JSON-encoded in a string (SWE-agent 0.x
        ``state``, some ``replay_config``); absent or blank reads as an empty object."""
        value = self.data.get(key)
        if not isinstance(value, str):
            return self.obj(key)
        if not value.strip():
            return Obj({}, self.where, self.at(key))
        path = self.at(key)
        return Obj.of(parse_json(value, f"{self.where}: {path}"), self.where, path,
                      "a JSON object")

    def array(self, key: str) -> list[Any]:
        """A list field, its items of any type; absent reads as empty."""
        value = self.data.get(key)
        if isinstance(value, list):
            return value
        if value is None:
            return []
        raise self.wrong(key, "a list")

    def objs(self, key: str) -> list[Obj]:
        """A list of objects; absent reads as empty, an item of another type is an error."""
        path = self.at(key)
        return [Obj.of(item, self.where, f"{path}[{index}]")
                for index, item in enumerate(self.array(key))]

    def text(self, key: str) -> str | None:
        """A string field, or None when absent."""
        value = self.data.get(key)
        if value is None or isinstance(value, str):
            return value
        raise self.wrong(key, "a string")

    def integer(self, key: str) -> int | None:
        """An integer field (not a boolean), or None when absent."""
        value = self.data.get(key)
        if value is None or (isinstance(value, int) and not isinstance(value, bool)):
            return value
        raise self.wrong(key, "an integer")

    def number(self, key: str) -> float | None:
        """A number field (not a boolean), or None when absent."""
        value = self.data.get(key)
        if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            return value
        raise self.wrong(key, "a number")


def wrong_type(value: Any, expected: str, where: str, path: str) -> InputError:
    """``path: expected X, got Y`` as the one-line error naming ``where``."""
    return InputError(f"{path or 'top level'}: expected {expected}, got {kind_of(value)}",
                      where=where)
