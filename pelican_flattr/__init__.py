"""pelican-flattr: a Flattr thing, button, Open Graph tags and payment link for
every article of a Pelican site. Enable it with ``PLUGINS = ["pelican_flattr"]``.

Importing the package does not import Pelican: the Flattr rules (identifiers,
things, markup, the manifest, the commands...) work without it, and the
commands start quicker. Pelican calls ``register`` once it has loaded the
package.
"""

__all__ = ["register"]


def register() -> None:
    """Connect the plugin to Pelican's signals (Pelican calls this)."""
    from .plugin import register as connect

    connect()
