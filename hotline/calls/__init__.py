"""Calls: the call log (`log`: metadata as a call moves, never a number or content), the hunt
for a counsellor (`hunt`: routing decides, this records offers, answers and releases), who a
hunt may ring (`candidates`: one query of what routing needs) and reservations (`reservations`:
one call at a time per counsellor, across processes). No flask, no twilio.
"""
