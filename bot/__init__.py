"""launchbot: a Discord bot for smartphone launch calendars."""

__version__ = "0.1.0"
