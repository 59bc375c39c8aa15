"""Calls: the call log (`log`: metadata as a call moves, never a number or content) and the hunt
for a counsellor (`hunt`: routing decides, this records offers, answers and releases).
No flask, no twilio.
"""
