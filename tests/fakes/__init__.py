"""Local fakes of outside services that speak the real protocol (STYLE.md: no network in tests)."""
