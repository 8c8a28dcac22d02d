"""What the demo generator last produced, so sign-ins and later generators can be recomputed."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from townhall.demo.constants import Scale


class DemoRun(models.Model):
    """The parameters of a generated demo borough. Generation is deterministic in these alone."""

    seed = models.BigIntegerField()
    scale = models.CharField(max_length=10, choices=Scale.choices)
    as_of = models.DateField(help_text="The 'today' the demo data was generated for.")

    class Meta:
        ordering: ClassVar = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"Demo borough ({self.scale}, seed {self.seed}, as of {self.as_of.isoformat()})"
