"""Placeholder: filled in by the work in progress (see the app's README)."""

urlpatterns: list = []
