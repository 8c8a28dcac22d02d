"""Cross-cutting infrastructure shared by every app: configuration, request ids, mail, working days.

Nothing here holds domain rules; it is the plumbing a council's IT team configures.
"""
