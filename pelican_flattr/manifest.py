"""The manifest: every thing one build submitted, as a deterministic JSON file.

Sorted by thing URL and formatted stably, so that two builds of the same
content give byte-identical files, and written atomically, so that a reader
never sees half a manifest. ``manifest.schema.json`` beside this module is
its JSON Schema.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .resolve import ContentThing

SCHEMA_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("manifest.schema.json")


# Fields every consumer (audit, diff, the URL guard) relies on.
_REQUIRED_TEXT = ("url", "source", "page", "auto_submit_url")


class ManifestError(ValueError):
    """A manifest file that cannot be read; the message names the file."""


def manifest_entry(
    content_thing: ContentThing, feeds: Iterable[str] = ()
) -> dict[str, Any]:
    """The manifest's record of one thing, and the feeds that carry it."""
    thing = content_thing.thing
    # In the order of the keys: written as is, the same text as sorted.
    return {
        "auto_submit_url": thing.auto_submit_url,
        "button": content_thing.button_style,
        "category": thing.category,
        "description": thing.description,
        "feeds": sorted(set(feeds)),
        "hidden": thing.hidden,
        "language": thing.language,
        "owner": {"kind": thing.owner.kind, "value": thing.owner.value},
        "page": content_thing.page,
        "source": content_thing.source,
        "tags": list(thing.tags),
        "title": thing.title,
        "url": thing.url,
    }


def manifest_line(content_thing: ContentThing, feeds: Iterable[str] = ()) -> str:
    """``manifest_entry`` as the JSON text the manifest holds for it."""
    return _dump_in_order(manifest_entry(content_thing, feeds))


def json_lines(
    header: Mapping[str, Any],
    name: str,
    items: Iterable[Any],
    items_are_json: bool = False,
) -> Iterator[str]:
    """A JSON object as text chunks: ``header``'s keys, then ``name`` as a
    list with one item per line (``items`` already JSON text when
    ``items_are_json``). Keys sorted, UTF-8, one newline at the end.

    Streamed, so that a large list is never held twice as text, and written
    by json's C encoder (an indented dump falls back to pure Python).
    """
    fields = dict(header)
    fields[name] = None
    yield "{"
    for index, key in enumerate(sorted(fields)):
        yield ("," if index else "") + f"\n  {_dump(key)}: "
        if key != name:
            yield _dump(fields[key])
            continue
        empty = True
        for position, item in enumerate(items):
            text = item if items_are_json else _dump(item)
            yield ("[" if position == 0 else ",") + f"\n    {text}"
            empty = False
        yield "[]" if empty else "\n  ]"
    yield "\n}\n"


# What json.dumps(value, sort_keys=True, ensure_ascii=False) does, without
# building an encoder for each of a build's thousands of lines.
_dump = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode
# The same for a manifest entry: its keys are inserted in order, at every
# level, and it holds no cycle. Sorting and the cycle check were a third of
# the time of each line.
_dump_in_order = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def manifest_chunks(
    siteurl: str,
    content_things: Iterable[ContentThing],
    feeds_by_source: Mapping[str, Iterable[str]] | None = None,
) -> Iterator[str]:
    """The manifest's text, in chunks: the same things always give the same
    bytes. Things are sorted by URL; each entry is built as it is written."""
    feeds_by_source = feeds_by_source or {}
    ordered = sorted(content_things, key=lambda ct: (ct.url, ct.source))
    lines = (manifest_line(ct, feeds_by_source.get(ct.source, ())) for ct in ordered)
    return json_lines(
        {"schema_version": SCHEMA_VERSION, "siteurl": siteurl}, "things", lines, True
    )


def write_atomically(path: Path, text: str | Iterable[str]) -> None:
    """Replace ``path`` with ``text`` (a string or chunks of one) so that no
    reader sees a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.writelines([text] if isinstance(text, str) else text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_manifest(path: str | Path) -> dict[str, Any]:
    """Read a manifest, checking its schema version and the fields every
    consumer relies on. Raises ManifestError naming the file."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path}: no such manifest") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(f"{path}: not a readable JSON manifest ({error})") from None
    if not isinstance(document, dict):
        raise ManifestError(f"{path}: expected a JSON object")
    version = document.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ManifestError(
            f"{path}: schema_version is {version!r}; this pelican-flattr reads "
            f"version {SCHEMA_VERSION}"
        )
    things = document.get("things")
    if not isinstance(things, list):
        raise ManifestError(f"{path}: 'things' must be a list")
    for index, entry in enumerate(things):
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(key), str)
            for key in ("url", "source", "auto_submit_url")
        ):
            raise ManifestError(
                f"{path}: things[{index}] lacks a url, source or auto_submit_url"
            )
    return document
