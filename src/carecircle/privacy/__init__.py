"""Privacy: the customer's rights under PIPL (Arts 24, 44–47) — requests to see, copy,
correct or delete their data and to have a person review an automated decision, each on a
15-working-day clock — and the retention schedule that anonymises what is past keeping.

A composer: it reads every domain app (a data export holds everything held about a customer),
so it sits with desk, flows and datagen above the domain apps (.importlinter).
"""
