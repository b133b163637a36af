"""materials: publicity materials for a city's health QR code."""

__version__ = "0.1.0"
