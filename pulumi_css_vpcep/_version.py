"""The release, in one place: the distribution's version (pyproject.toml reads it here), the schema's and the
plugin's. ``pulumi_css_vpcep.__version__`` gives it too. A module of its own, below every other, so that any
module may name the version without importing the package's public face."""

__version__ = "0.2.0"
