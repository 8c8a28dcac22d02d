"""The Digital Strategy's measures of success, and which of them Townhall can compute.

The public performance page lists every measure in the strategy's order. A measure is
reported by one or more registered metrics, or is said plainly to be "not measured by
this system" (with what would measure it, where known).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    title: str
    metrics: tuple[str, ...] = ()
    explanation: str = ""
    not_measured_because: str = ""


NOT_HERE = "This is measured outside Townhall."
MEASURES: tuple[Measure, ...] = (
    Measure("Increased brand awareness (website hits and social media followers)", not_measured_because=NOT_HERE),
    Measure("Improved SOCITM rating of website", not_measured_because="SOCITM's own assessment."),
    Measure(
        "Increased number and usage of resident accounts",
        ("account_signups", "active_residents"),
        "How many residents open an account each month, and how many different residents sign in to one.",
    ),
    Measure("Increased stakeholder involvement in policy and service design", not_measured_because=NOT_HERE),
    Measure("Improved reputation and resident satisfaction", not_measured_because=NOT_HERE),
    Measure(
        "Reduced missing data, data record errors and duplicate data",
        ("data_quality_issues_open",),
        "How many problems the Citizen Index's checks find in the records our systems hold about people "
        "(missing or invalid values, likely duplicates, conflicts between systems) and are not yet corrected.",
    ),
    Measure(
        "Improved time to access and correct data",
        ("data_quality_time_to_correct",),
        "How many days it takes, on average, to correct a problem the data quality checks found. "
        "Time to access data is not measured by this system.",
    ),
    Measure("Reduced number of data breaches", not_measured_because=NOT_HERE),
    Measure(
        "Maximised publication of council data using open data standards",
        ("datasets_published",),
        "How many datasets we publish for the first time each month on our open data portal, under open "
        "licences and readable by standard open data tools.",
    ),
    Measure(
        "Reduced number of, and time to respond to, Freedom of Information requests",
        not_measured_because="Will be measured by the information governance tools once they are in use.",
    ),
    Measure(
        "Increased use of dashboards by managers",
        ("manager_dashboard_use",),
        "The share of the council's team managers who opened a performance dashboard in the month.",
    ),
    Measure(
        "Improved performance attributable to business intelligence",
        ("sla_compliance", "time_to_close"),
        "How often we fix reported problems within the time we promise, and how long they take. "
        "We cannot say how much of any change is due to dashboards.",
    ),
    Measure(
        "Increased accuracy of forecasting",
        explanation="How close our weekly demand forecasts come to what happened, tested on past weeks.",
    ),
    Measure(
        "Increased customer transactions completed online, and reduced telephone contacts",
        ("requests_received", "online_share", "phone_requests"),
        "How many problems residents report to us, the share reported online, and how many are reported by phone.",
    ),
    Measure("Increased employee transactions completed through digital solutions", not_measured_because=NOT_HERE),
    Measure(
        "Improved first time resolution of customer requests",
        ("first_time_resolution", "reopened_rate"),
        "Problems we fixed without having to reopen the report or hear about the same problem again.",
    ),
    Measure(
        "Reduced costs per transaction",
        ("cost_per_transaction", "saving_against_phone"),
        "The average cost of taking a report, from standard costs per channel, and what we save compared "
        "with taking every report by phone.",
    ),
    Measure("Increased proportion of IT-dependent employees that are agile workers", not_measured_because=NOT_HERE),
    Measure("Increased proportion of services that are delivered collaboratively", not_measured_because=NOT_HERE),
    Measure("Reduced size of corporate office estate and associated costs", not_measured_because=NOT_HERE),
    Measure("Reduced employee mileage costs", not_measured_because=NOT_HERE),
)
FORECAST_MEASURE = "Increased accuracy of forecasting"
