"""The audit trail: who read or changed which client's health data, when, and from which
request. Views declare what they touch (``capture.audited``); ``services`` writes and reads."""
