"""A coarse, human description of the browser and device behind a user agent string.

People recognise "Chrome on Android" in their sign-in history; they do not recognise a
200-character user agent string, and storing the full string would keep more about
their device than the history needs. ua-parser (the Browserscope rules, kept up to date
in ua-parser-builtins) does the parsing.
"""

from __future__ import annotations

import ua_parser

UNKNOWN_DEVICE = "Unknown browser"
# Longer than any description the rules produce; cuts a crafted user agent down to size.
_MAX_USER_AGENT = 1000
_MAX_DESCRIPTION = 100
_UNKNOWN_FAMILY = "Other"


def device_description(user_agent: str) -> str:
    """'<browser> on <operating system>', either part alone when the other is unknown, else UNKNOWN_DEVICE."""
    user_agent = user_agent[:_MAX_USER_AGENT]
    if not user_agent.strip():
        return UNKNOWN_DEVICE
    browser = ua_parser.parse_user_agent(user_agent)
    system = ua_parser.parse_os(user_agent)
    browser_name = browser.family if browser is not None and browser.family != _UNKNOWN_FAMILY else ""
    system_name = system.family if system is not None and system.family != _UNKNOWN_FAMILY else ""
    if browser_name and system_name:
        description = f"{browser_name} on {system_name}"
    else:
        description = browser_name or system_name or UNKNOWN_DEVICE
    return description[:_MAX_DESCRIPTION]
