"""Privacy services: ``requests`` (file, answer, escalate), ``exports`` (the data copy),
``erase`` (Art 87, restrict, anonymise), ``retention`` (the nightly schedule)."""
