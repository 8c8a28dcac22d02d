"""Rounds in the Django admin (superusers only): for looking, and for fixing a single round by hand."""

from django.contrib import admin

from townhall.waste.models import CollectionRound


@admin.register(CollectionRound)
class CollectionRoundAdmin(admin.ModelAdmin[CollectionRound]):
    list_display = ("code", "name", "service", "weekday", "interval_weeks", "reference_date", "holiday_rule", "ward")
    list_filter = ("service", "weekday", "interval_weeks", "holiday_rule")
    search_fields = ("code", "name")
    raw_id_fields = ("ward",)
