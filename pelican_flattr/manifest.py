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
from collections.abc import Iterable, Mapping
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
    return {
        "url": thing.url,
        "source": content_thing.source,
        "page": content_thing.page,
        "owner": {"kind": thing.owner.kind, "value": thing.owner.value},
        "title": thing.title,
        "description": thing.description,
        "category": thing.category,
        "language": thing.language,
        "tags": list(thing.tags),
        "hidden": thing.hidden,
        "auto_submit_url": thing.auto_submit_url,
        "button": content_thing.button_style,
        "feeds": sorted(set(feeds)),
    }


def manifest_document(
    siteurl: str,
    content_things: Iterable[ContentThing],
    feeds_by_source: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict, things sorted by URL."""
    feeds_by_source = feeds_by_source or {}
    things = sorted(
        (
            manifest_entry(ct, feeds_by_source.get(ct.source, ()))
            for ct in content_things
        ),
        key=lambda entry: (entry["url"], entry["source"]),
    )
    return {"schema_version": SCHEMA_VERSION, "siteurl": siteurl, "things": things}


def render_manifest(document: Mapping[str, Any]) -> str:
    """The manifest's text: the same document always gives the same bytes."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so that no reader sees a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
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
