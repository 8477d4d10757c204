"""Reading and checking text shared by every layer: JSON-like values that can be
stored as given (``jsontext``), the lexical pieces of AGE's agtype text
(``agtext``), explicit calendar dates and the time expressions every door reads
(``calendar_dates``, ``time_expressions``)."""
