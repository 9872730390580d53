"""Destinations by kind: each one small class behind the interface in ``base``."""

from __future__ import annotations

from reverse_etl.destinations.ad_audience import AdAudience
from reverse_etl.destinations.base import ConfigError, Destination, Record, Rejection
from reverse_etl.destinations.crm import Crm
from reverse_etl.destinations.email_tool import EmailTool
from reverse_etl.destinations.file_drop import FileDrop
from reverse_etl.destinations.onsite import Onsite
from reverse_etl.destinations.sales_alert import SalesAlert
from reverse_etl.destinations.sms_tool import SmsTool
from reverse_etl.destinations.webhook import Webhook

KINDS: dict[str, type[Destination]] = {
    cls.kind: cls for cls in (FileDrop, Webhook, EmailTool, Crm, AdAudience, SmsTool, Onsite, SalesAlert)
}

__all__ = ["KINDS", "ConfigError", "Destination", "Record", "Rejection"]
