"""The daily job: APScheduler 3.x wiring only.

``triggers`` turns the ``schedule:`` config into a trigger (also used to validate it at load
time), ``local_time`` picks the readers whose own clock has reached the hour, ``sending``
wraps a backend so a shutdown finishes the current batch, ``job`` is what each fire runs
(the same ``pipeline.run`` as ``newsletter run``) and ``scheduler`` runs it in the foreground.
Nothing here decides "sent once": the database does (see ``newsletter.store``).
"""
