"""Management commands that belong to the platform rather than to a domain app."""
