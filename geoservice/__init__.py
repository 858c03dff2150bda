"""geoservice: who can reach which cultural activity in the Nièvre, how, and how fast."""

__version__ = "0.1.0"
