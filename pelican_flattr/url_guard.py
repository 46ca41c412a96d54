"""Guarding thing URLs across builds: a changed URL strands its flattrs.

Flattr keys a thing on its exact URL, so a new slug, ``ARTICLE_URL`` or
``SITEURL`` silently starts a new thing and leaves every flattr the old URL
earned behind. ``compare_manifests`` tells what changed between two
manifests; the build-time guard and ``pelican-flattr diff`` both use it.

The guard keeps a *baseline*: the manifest of the last build, except that a
thing whose URL vanished without being accepted stays in it with its old URL,
so the warning repeats until the operator pins the old URL (``Flattr_url``)
or accepts the change (``FLATTR_ACCEPT_URL_CHANGES``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Entry = Mapping[str, Any]


@dataclass(frozen=True)
class UrlChange:
    """A thing URL of the old manifest that the new one no longer has."""

    source: str
    old_url: str
    new_url: str | None  # None: the source itself is gone from the new build

    def advice(self) -> str:
        """What the operator should do, as one sentence."""
        if self.new_url is None:
            return (
                f"if {self.source} was renamed or moved, add "
                f"'Flattr_url: {self.old_url}' to its metadata; if it was removed "
                "on purpose, add the old URL to FLATTR_ACCEPT_URL_CHANGES"
            )
        return (
            f"add 'Flattr_url: {self.old_url}' to {self.source} to keep its "
            "flattrs, or add the old URL to FLATTR_ACCEPT_URL_CHANGES if the "
            "change is deliberate (when SITEURL changed for the whole site, "
            "FLATTR_SITEURL set to the old base keeps every thing URL)"
        )

    def describe(self) -> str:
        """The change and its consequence, for a log line or a report."""
        if self.new_url is None:
            return (
                f"{self.source}: gone from this build, so its thing "
                f"{self.old_url} is orphaned (its flattrs stay with that URL)"
            )
        return (
            f"{self.source}: thing URL changed from {self.old_url} to "
            f"{self.new_url}; the flattrs of the old URL stay behind"
        )


@dataclass(frozen=True)
class OwnerChange:
    """Same thing URL, different owner in the new build."""

    url: str
    source: str
    old_owner: str
    new_owner: str


@dataclass(frozen=True)
class ManifestDiff:
    """What changed between an old and a new manifest."""

    url_changes: tuple[UrlChange, ...] = ()
    owner_changes: tuple[OwnerChange, ...] = ()
    added: tuple[Entry, ...] = ()

    @property
    def orphans_flattrs(self) -> bool:
        """True when some old thing URL would lose its flattrs."""
        return bool(self.url_changes)


def _owner(entry: Entry) -> str:
    owner = entry.get("owner") or {}
    return str(owner.get("value", ""))


def compare_manifests(old: Iterable[Entry], new: Iterable[Entry]) -> ManifestDiff:
    """Compare two manifests' ``things`` lists."""
    old = list(old)
    new = list(new)
    new_by_url = {entry["url"]: entry for entry in new}
    new_by_source = {entry["source"]: entry for entry in new}
    old_urls = {entry["url"] for entry in old}
    url_changes = []
    owner_changes = []
    moved_sources = set()
    for entry in sorted(old, key=lambda e: (e["source"], e["url"])):
        url, source = entry["url"], entry["source"]
        if url in new_by_url:
            now = new_by_url[url]
            if _owner(now) != _owner(entry):
                owner_changes.append(
                    OwnerChange(url, now["source"], _owner(entry), _owner(now))
                )
            continue
        successor = new_by_source.get(source)
        if successor is not None:
            moved_sources.add(source)
            url_changes.append(UrlChange(source, url, successor["url"]))
        else:
            url_changes.append(UrlChange(source, url, None))
    added = tuple(
        entry
        for entry in sorted(new, key=lambda e: e["url"])
        if entry["url"] not in old_urls and entry["source"] not in moved_sources
    )
    return ManifestDiff(tuple(url_changes), tuple(owner_changes), added)


def next_baseline(
    old: Iterable[Entry], new: Iterable[Entry], unresolved: Iterable[UrlChange]
) -> list[Entry]:
    """The baseline to keep after a build.

    The new build's things, except that for every unresolved change the old
    entry stays (and the new URL of that source waits), so that the warning
    repeats until the operator pins or accepts.
    """
    unresolved = list(unresolved)
    kept_urls = {change.old_url for change in unresolved}
    held_sources = {change.source for change in unresolved if change.new_url}
    baseline = [entry for entry in old if entry["url"] in kept_urls]
    baseline.extend(entry for entry in new if entry["source"] not in held_sources)
    return sorted(baseline, key=lambda e: (e["url"], e["source"]))
