"""The web app: subscribe with double opt-in, preferences, one-click unsubscribe, the
archive and its feed, and SendGrid's Event Webhook. See ``newsletter.web.app``."""

from newsletter.web.app import create_app

__all__ = ["create_app"]
