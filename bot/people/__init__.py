"""People: a member's availability (pause, vacation, holidays, opt-out) and how to reach them, in one place.

Every kind of the conversation engine asks here before anything is sent, reminders and follow-ups included.
"""
