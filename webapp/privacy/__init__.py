"""A client's say over their data: consent to note sharing and reminders, and the hub page."""
