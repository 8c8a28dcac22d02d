"""Settings overlays: base (shared), local (development default), production, test."""
