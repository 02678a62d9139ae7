"""The targeted symbol search agrees with the parser, and searches a name inside its parent."""

from __future__ import annotations

from reasondraft.repo import decode
from reasondraft.verify.symbols import find_python, parse_python

SOURCE = '''"""Sibling classes with the same method names, a redefined class, nesting."""
import sys

LIMIT = 3


class First:
    size = 1

    def run(self):
        self.state = "first"
        return 1

    def stop(self):
        return 0


class Second(First):
    size = 2

    @staticmethod
    def run():
        return 2

    class Inner:
        def run(self):
            return "inner"


if sys.version_info >= (3, 12):
    class Compat:
        def only_new(self):
            return 1
else:
    class Compat:
        def only_old(self):
            return 0


def run(value=dict(
        size=4)):
    return value
'''


def test_each_name_is_found_where_the_parser_puts_it() -> None:
    file = decode("m.py", SOURCE.encode())
    parsed = parse_python(SOURCE)
    assert parsed is not None
    for name, span in parsed.items():
        found = find_python(file, name)
        # The search may leave a name to the parser (then None), never point elsewhere.
        assert found is None or found == span, name
    assert find_python(file, "Second.run") == parsed["Second.run"] == (21, 23)
    assert find_python(file, "Second.Inner.run") == parsed["Second.Inner.run"]
    assert find_python(file, "run") == parsed["run"]
    assert find_python(file, "First.state") == (11, 11)


def test_names_that_are_not_definitions_are_not_found() -> None:
    file = decode("m.py", SOURCE.encode())
    for name in ("Second.stop", "First.Inner", "Inner.run", "size", "run.size", "Missing.run"):
        assert find_python(file, name) is None, name


def test_methods_of_a_class_defined_twice() -> None:
    """The search starts at the parent's first definition, so later ones are searched too."""
    file = decode("m.py", SOURCE.encode())
    parsed = parse_python(SOURCE) or {}
    assert find_python(file, "Compat.only_new") == parsed["Compat.only_new"] == (32, 33)
    assert find_python(file, "Compat.only_old") == parsed["Compat.only_old"] == (36, 37)
