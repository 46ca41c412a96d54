"""pelican-flattr: a Flattr thing, button, Open Graph tags and payment link for
every article of a Pelican site. Enable it with ``PLUGINS = ["pelican_flattr"]``.
"""

from .plugin import register

__all__ = ["register"]
