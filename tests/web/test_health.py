"""Liveness and readiness endpoints for load balancers and orchestrators."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client


def test_healthz_answers_without_the_database(client: Client) -> None:
    """No django_db mark: liveness must not touch the database."""
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_reports_database_ok(client: Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_returns_503_when_database_is_down(client: Client) -> None:
    with mock.patch("townhall.web.views.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
