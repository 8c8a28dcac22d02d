"""Settings for the benchmarks in bench/ (never used by Townhall itself): local settings, production-like.

DEBUG is off (no query log, no debug pages), the URL configuration adds the bench-only
views of bench/bench_urls.py to Townhall's own, and the rate limits a benchmark would trip
are raised through the environment by the bench scripts before Django starts.
"""

from townhall.settings.local import *  # noqa: F403
from townhall.settings.local import env

DEBUG = False
ROOT_URLCONF = "bench.bench_urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

if env.bool("BENCH_RAISE_RATE_LIMITS", default=False):
    # A load test signs hundreds of people in from one address within a minute.
    ACCOUNT_RATE_LIMITS = dict.fromkeys(ACCOUNT_RATE_LIMITS, "1000000/m/ip")  # noqa: F405
